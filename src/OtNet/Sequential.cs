// Layers in a chain, with their activations and activation gradients kept in flat tensors
// that are made once per batch size (no allocation per batch after the first). Forward
// returns the last activation; Backward runs the layers in reverse from dL/d(output).
using OtNet.Layers;

namespace OtNet;

/// <summary>Layers applied in order, their shapes checked when the model is built; activations and their gradients kept per batch size.</summary>
public sealed class Sequential
{
    private readonly Layer[] _layers;
    private readonly int[][] _shapes; // per-sample shape of the input (0) and of each layer's output (1..)
    private Tensor[] _activations = [], _gradients = [];
    private Tensor? _input;

    /// <param name="inputShape">The per-sample input shape, e.g. [1, 28, 28].</param>
    public Sequential(int[] inputShape, params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0) throw new ArgumentException("A model needs at least one layer.", nameof(layers));
        _layers = (Layer[])layers.Clone();
        _shapes = new int[layers.Length + 1][];
        _shapes[0] = (int[])inputShape.Clone();
        for (int i = 0; i < layers.Length; i++)
        {
            try { _shapes[i + 1] = layers[i].OutputShape(_shapes[i]); }
            catch (ArgumentException e) { throw new ArgumentException($"Layer {i} ({layers[i].GetType().Name}): {e.Message}", nameof(layers), e); }
        }
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;
    /// <summary>The shape of one input sample.</summary>
    public int[] InputShape => (int[])_shapes[0].Clone();
    /// <summary>The shape of one output sample.</summary>
    public int[] OutputShape => (int[])_shapes[^1].Clone();
    /// <summary>Every layer's parameters.</summary>
    public IEnumerable<Parameter> Parameters => _layers.SelectMany(l => l.Parameters);

    /// <summary>The layers in order, e.g. "conv 32@3x3 same, relu, maxpool 2, ...".</summary>
    public override string ToString() => string.Join(", ", _layers);

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGradients()
    {
        foreach (Parameter p in Parameters) Array.Clear(p.Gradient);
    }

    /// <summary>The model's output for <paramref name="input"/> ([batch, InputShape]); the tensor
    /// belongs to the model and is overwritten by the next Forward.</summary>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.ThrowIfShapeIsNot([input.Batch, .. _shapes[0]], nameof(input));
        EnsureBuffers(input.Batch);
        _input = input;
        for (int i = 0; i < _layers.Length; i++) _layers[i].Forward(i == 0 ? input : _activations[i - 1], _activations[i]);
        return _activations[^1];
    }

    /// <summary>Adds dL/dparameters for the last Forward's input, given dL/d(output); writes
    /// dL/d(input) too when <paramref name="inputGradient"/> is given.</summary>
    public void Backward(Tensor outputGradient, Tensor? inputGradient = null)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (_input is null) throw new InvalidOperationException("Backward needs a Forward first.");
        outputGradient.ThrowIfShapeIsNot(_activations[^1].Shape, nameof(outputGradient));
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            Tensor layerInput = i == 0 ? _input : _activations[i - 1];
            Tensor gradient = i == _layers.Length - 1 ? outputGradient : _gradients[i];
            _layers[i].Backward(layerInput, _activations[i], gradient, i == 0 ? inputGradient : _gradients[i - 1]);
        }
    }

    private void EnsureBuffers(int batch)
    {
        if (_activations.Length > 0 && _activations[0].Batch == batch) return;
        _activations = new Tensor[_layers.Length];
        _gradients = new Tensor[_layers.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            _activations[i] = new Tensor([batch, .. _shapes[i + 1]]);
            _gradients[i] = new Tensor([batch, .. _shapes[i + 1]]);
        }
    }
}
