"""The model: parameters as a flat list of arrays; forward, backward, init.

A linear model is a network with no hidden layer. Parameters are stored as
``[W_0, b_0, W_1, b_1, ...]`` (``W_i`` of shape ``(fan_in, fan_out)``); a
linear model without intercept stores ``[W_0]`` only.
"""

import numpy as np

# activation name -> (function, derivative expressed through the activation's
# *output*, which is what the forward pass keeps)
_LEAKY_SLOPE = 0.01


def _identity(z):
    return z


def _relu(z):
    return np.maximum(z, 0, out=z)


def _leaky_relu(z):
    return np.where(z > 0, z, _LEAKY_SLOPE * z).astype(z.dtype, copy=False)


def _tanh(z):
    return np.tanh(z, out=z)


def _logistic(z):
    # 1 / (1 + exp(-z)) without overflow warnings
    return np.exp(-np.logaddexp(0, -z), out=z)


def _identity_grad(a):
    return np.ones_like(a)


def _relu_grad(a):
    return (a > 0).astype(a.dtype)


def _leaky_relu_grad(a):
    return np.where(a > 0, 1, _LEAKY_SLOPE).astype(a.dtype)


def _tanh_grad(a):
    return 1 - a * a


def _logistic_grad(a):
    return a * (1 - a)


ACTIVATIONS = {
    "identity": (_identity, _identity_grad),
    "relu": (_relu, _relu_grad),
    "leaky_relu": (_leaky_relu, _leaky_relu_grad),
    "tanh": (_tanh, _tanh_grad),
    "logistic": (_logistic, _logistic_grad),
}

# init name -> (distribution, scale numerator): var = gain / fan
_INITS = {
    "glorot_uniform": ("uniform", "fan_avg"),
    "glorot_normal": ("normal", "fan_avg"),
    "he_uniform": ("uniform", "fan_in"),
    "he_normal": ("normal", "fan_in"),
    "zeros": ("zeros", None),
}


def default_init(activation):
    """He initialisation for the ReLU family, Glorot otherwise (as the notes)."""
    return "he_normal" if activation in ("relu", "leaky_relu") else "glorot_uniform"


def init_params(layer_sizes, init, rng, dtype, fit_intercept=True):
    """Initial parameters for a network with the given layer sizes.

    Glorot draws weights with variance ``2 / (fan_in + fan_out)``, He with
    ``2 / fan_in``; biases start at zero.
    """
    dist, fan = _INITS[init]
    params = []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        shape = (fan_in, fan_out)
        if dist == "zeros":
            W = np.zeros(shape)
        else:
            var = 2.0 / (fan_in + fan_out) if fan == "fan_avg" else 2.0 / fan_in
            if dist == "uniform":
                limit = np.sqrt(3.0 * var)
                W = rng.uniform(-limit, limit, size=shape)
            else:
                W = rng.normal(0.0, np.sqrt(var), size=shape)
        params.append(W.astype(dtype))
        if fit_intercept:
            params.append(np.zeros(fan_out, dtype=dtype))
    return params


class Network:
    """Feed-forward network over a flat parameter list; no state of its own.

    Parameters
    ----------
    n_layers : int
        Number of weight matrices (1 for a linear model).
    activation : str
        Hidden-layer activation (unused when ``n_layers == 1``).
    fit_intercept : bool
        Whether each layer has a bias vector.
    """

    def __init__(self, n_layers, activation="relu", fit_intercept=True):
        self.n_layers = n_layers
        self.activation = activation
        self.fit_intercept = fit_intercept

    @property
    def _stride(self):
        return 2 if self.fit_intercept else 1

    def weights(self, params):
        """The weight matrices (the penalised parameters), in layer order."""
        return params[:: self._stride]

    def forward(self, params, X):
        """Layer outputs ``[hidden_1, ..., hidden_L-1, raw_output]``."""
        act, _ = ACTIVATIONS[self.activation]
        outputs = []
        a = X
        for i in range(self.n_layers):
            # X may be scipy-sparse: its product with a dense array is dense
            z = a @ params[self._stride * i]
            if self.fit_intercept:
                z += params[self._stride * i + 1]
            if i < self.n_layers - 1:
                z = act(z)
            outputs.append(z)
            a = z
        return outputs

    def raw_output(self, params, X):
        """The network's raw output ``(n_samples, n_outputs)``."""
        return self.forward(params, X)[-1]

    def backward(self, params, X, outputs, delta):
        """Gradients of the loss given ``delta = dloss/d(raw_output)``."""
        _, act_grad = ACTIVATIONS[self.activation]
        grads = [None] * len(params)
        for i in range(self.n_layers - 1, -1, -1):
            a_prev = X if i == 0 else outputs[i - 1]
            w_idx = self._stride * i
            grads[w_idx] = np.asarray(a_prev.T @ delta)
            if self.fit_intercept:
                grads[w_idx + 1] = delta.sum(axis=0)
            if i > 0:
                delta = (delta @ params[w_idx].T) * act_grad(a_prev)
        return grads
