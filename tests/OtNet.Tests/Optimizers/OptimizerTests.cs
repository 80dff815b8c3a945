using OtNet.Layers;
using OtNet.Losses;
using OtNet.Optimizers;
using Xunit;

namespace OtNet.Tests.Optimizers;

public class OptimizerTests
{
    [Fact]
    public void Adam_FirstSteps_MatchTheAlgorithmByHand()
    {
        // Kingma and Ba, Algorithm 1, computed in double for two steps of a fixed gradient pair.
        var p = new Parameter("w", 2);
        p.Value[0] = 1; p.Value[1] = -2;
        var adam = new Adam([p], learningRate: 0.1);
        double[] x = [1, -2], m = [0, 0], v = [0, 0];
        float[][] gradients = [[0.5f, -3f], [-1f, 0.25f]];
        for (int t = 1; t <= 2; t++)
        {
            gradients[t - 1].CopyTo(p.Gradient, 0);
            adam.Step();
            for (int i = 0; i < 2; i++)
            {
                double g = gradients[t - 1][i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                x[i] -= 0.1 * (m[i] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999, t))) + 1e-8);
                Assert.True(Math.Abs(p.Value[i] - x[i]) <= 1e-6, $"step {t} [{i}]: {p.Value[i]} vs {x[i]}");
            }
            Assert.All(p.Gradient, g => Assert.Equal(0f, g)); // cleared for the next backward
        }
    }

    [Fact]
    public void SgdWithMomentum_MatchesTheRecurrence()
    {
        var p = new Parameter("w", 1);
        var sgd = new Sgd([p], learningRate: 0.5, momentum: 0.9);
        double x = 0, velocity = 0;
        foreach (float g in new[] { 1f, 2f, -1f })
        {
            p.Gradient[0] = g;
            sgd.Step();
            velocity = 0.9 * velocity + g;
            x -= 0.5 * velocity;
            Assert.Equal(x, p.Value[0], 6);
        }
    }

    [Fact]
    public void ClipByGlobalNorm_ScalesOnlyWhenAboveTheLimit_KeepingTheDirection()
    {
        var a = new Parameter("a", 2);
        var b = new Parameter("b", 1);
        a.Gradient[0] = 3; a.Gradient[1] = 0; b.Gradient[0] = 4;
        Assert.Equal(5, GradientClipping.ClipByGlobalNorm([a, b], 10), 6);
        Assert.Equal(3f, a.Gradient[0]);
        Assert.Equal(5, GradientClipping.ClipByGlobalNorm([a, b], 1), 6);
        Assert.Equal(0.6f, a.Gradient[0], 6);
        Assert.Equal(0.8f, b.Gradient[0], 6);
    }

    [Fact]
    public void Schedules_GiveTheirClosedForms()
    {
        Assert.Equal(0.1 * 0.5 * 0.5, LearningRateSchedule.Step(0.1, 25, 10, 0.5), 12);
        Assert.Equal(0.1, LearningRateSchedule.Cosine(0.1, 0, 100), 12);
        Assert.Equal(0.055, LearningRateSchedule.Cosine(0.1, 50, 100, 0.01), 12);
        Assert.Equal(0.01, LearningRateSchedule.Cosine(0.1, 150, 100, 0.01), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([], learningRate: -1));
    }

    [Fact]
    public void TinyTraining_ReducesTheLoss_AndIsDeterministic()
    {
        // A small CNN on a fixed synthetic two-class task: the loss after 30 Adam steps must
        // fall well below the start, and two runs with the same seed must agree bit for bit.
        (double first, double last, float[] weights) Train()
        {
            var rng = new Random(5);
            var model = new Sequential([1, 6, 6], new Conv2D(1, 4, 3, Padding.Same, rng), new Relu(), new MaxPool2D(2),
                new Flatten(), new Dense(36, 2, rng));
            var adam = new Adam(model.Parameters, learningRate: 0.01);
            var x = new Tensor(16, 1, 6, 6);
            int[] labels = new int[16];
            var data = new Random(9);
            for (int s = 0; s < 16; s++)
            {
                labels[s] = s % 2;
                for (int i = 0; i < 36; i++) x.Data[s * 36 + i] = (float)data.NextDouble() + (labels[s] == 1 && i % 6 < 3 ? 1 : 0);
            }
            var gradient = new Tensor(16, 2);
            double first = 0, last = 0;
            for (int step = 0; step < 30; step++)
            {
                double loss = CrossEntropy.FromLogits(model.Forward(x), labels, gradient);
                if (step == 0) first = loss;
                last = loss;
                model.Backward(gradient);
                adam.Step();
            }
            return (first, last, model.Parameters.SelectMany(p => p.Value).ToArray());
        }
        var one = Train();
        var two = Train();
        Assert.True(one.last < 0.3 * one.first, $"loss {one.first} -> {one.last}");
        Assert.Equal(one.weights, two.weights);
    }
}
