"""The Gaussian-mixture objective of Microsoft's ADBench (GMM), written from its
definition:

    sum_n logsumexp_k(alpha_k + sum(log diag Q_k) - |Q_k (x_n - mu_k)|^2 / 2)
    - n logsumexp(alpha) - n d log(2 pi) / 2 + log_wishart_prior

with Q_k = diag(exp(icf_k[:d])) + L_k, L_k strictly lower triangular, filled column by
column from icf_k[d:].  The sign conventions (and the Wishart term) are ADBench's, so
values can be compared with its reference outputs.  Vectorized over points and components;
the one loop is the constant log-multigamma term."""

import math

import numpy as np

NAME = "gmm"
WRT = (0, 1, 2)
SIZES = {"small": {"d": 2, "k": 5, "n": 100}, "large": {"d": 10, "k": 25, "n": 10**4}}
QUICK_SIZES = {"large": {"d": 10, "k": 25, "n": 10**3}}
WISHART_GAMMA = 1.0  # ADBench's data files use gamma = 1, m = 0
WISHART_M = 0


def log_multigamma(a, p):
    out = 0.25 * p * (p - 1) * math.log(math.pi)
    for j in range(1, p + 1):
        out = out + math.lgamma(a + 0.5 * (1 - j))
    return out


def logsumexp(a, axis):
    top = np.max(a, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(a - top), axis=axis)) + np.squeeze(top, axis=axis)


def log_wishart_prior(d, wishart_gamma, wishart_m, sum_qs, Qdiags, icf):
    n = d + wishart_m + 1
    k = icf.shape[0]
    frobenius = np.sum(Qdiags ** 2, axis=1) + np.sum(icf[:, d:] ** 2, axis=1)
    out = np.sum(0.5 * wishart_gamma * wishart_gamma * frobenius - wishart_m * sum_qs)
    C = n * d * math.log(wishart_gamma / math.sqrt(2.0))
    return out - k * (C - log_multigamma(0.5 * n, d))


def gmm(alphas, means, icf, x, tril_index, wishart_gamma=WISHART_GAMMA, wishart_m=WISHART_M):
    n, d = x.shape
    k = alphas.shape[0]
    log_diags = icf[:, :d]
    Qdiags = np.exp(log_diags)
    sum_qs = np.sum(log_diags, axis=1)
    # L[k, i, j] = icf[k, d + p] for the p-th entry below the diagonal, column by column;
    # tril_index points the other entries at a column of zeros.
    Ls = np.concatenate([np.zeros((k, 1)), icf[:, d:]], axis=1)[:, tril_index]
    xcentered = x[None, :, :] - means[:, None, :]  # (k, n, d)
    Lxcentered = Qdiags[:, None, :] * xcentered + xcentered @ np.transpose(Ls, (0, 2, 1))
    sqsum = np.sum(Lxcentered ** 2, axis=2)  # (k, n)
    inner = alphas[:, None] + sum_qs[:, None] - 0.5 * sqsum
    constant = -n * d * 0.5 * math.log(2.0 * math.pi)
    return (constant + np.sum(logsumexp(inner, 0)) - n * logsumexp(alphas, 0)
            + log_wishart_prior(d, wishart_gamma, wishart_m, sum_qs, Qdiags, icf))


function = gmm


def make_tril_index(d):
    """(d, d) integers: 1 + p at the p-th entry below the diagonal (column by column), 0
    on and above it."""
    index = np.zeros((d, d), dtype=np.intp)
    p = 1
    for col in range(d):
        for row in range(col + 1, d):
            index[row, col] = p
            p += 1
    return index


def make_inputs(rng, d, k, n):
    # ADBench's generator: alphas ~ N(0, 1), means ~ U(0, 1), icf ~ N(0, 1), x ~ N(0, 1).
    alphas = rng.normal(size=k)
    means = rng.uniform(size=(k, d))
    icf = rng.normal(size=(k, d * (d + 1) // 2))
    x = rng.normal(size=(n, d))
    return (alphas, means, icf, x, make_tril_index(d))


def grad_hand(alphas, means, icf, x, tril_index, wishart_gamma=WISHART_GAMMA,
              wishart_m=WISHART_M):
    n, d = x.shape
    k = alphas.shape[0]
    Qdiags = np.exp(icf[:, :d])
    Ls = np.concatenate([np.zeros((k, 1)), icf[:, d:]], axis=1)[:, tril_index]
    xcentered = x[None, :, :] - means[:, None, :]  # (k, n, d)
    z = Qdiags[:, None, :] * xcentered + xcentered @ np.transpose(Ls, (0, 2, 1))
    inner = alphas[:, None] + np.sum(icf[:, :d], axis=1)[:, None] - 0.5 * np.sum(z * z, axis=2)
    # Responsibilities: d objective / d inner = softmax over the components.
    r = np.exp(inner - np.max(inner, axis=0))
    r /= np.sum(r, axis=0)
    r_total = np.sum(r, axis=1)  # (k,)
    weights = np.exp(alphas - np.max(alphas))
    d_alphas = r_total - n * weights / np.sum(weights)
    dz = z * -r[:, :, None]  # (k, n, d)
    d_Qdiags = np.sum(dz * xcentered, axis=1) + wishart_gamma ** 2 * Qdiags
    d_log_diags = d_Qdiags * Qdiags + (r_total - wishart_m)[:, None]
    d_Ls = np.transpose(dz, (0, 2, 1)) @ xcentered  # (k, d, d)
    rows, cols = _lower_entries(tril_index)
    d_off = d_Ls[:, rows, cols] + wishart_gamma ** 2 * icf[:, d:]
    dz_total = np.sum(dz, axis=1)  # (k, d): the means enter linearly, sum over points first
    d_means = -(Qdiags * dz_total + (dz_total[:, None, :] @ Ls)[:, 0, :])
    return (d_alphas, d_means, np.concatenate([d_log_diags, d_off], axis=1))


def _lower_entries(tril_index):
    """Row and column of the p-th entry below the diagonal, in icf's order."""
    rows, cols = np.nonzero(tril_index)
    order = np.argsort(tril_index[rows, cols])
    return rows[order], cols[order]


def torch_function(alphas, means, icf, x, tril_index, wishart_gamma=WISHART_GAMMA,
                   wishart_m=WISHART_M):
    import torch

    def logsumexp(a, dim):
        top = torch.amax(a, dim=dim, keepdim=True)
        return torch.log(torch.sum(torch.exp(a - top), dim=dim)) + torch.squeeze(top, dim)

    n, d = x.shape
    k = alphas.shape[0]
    log_diags = icf[:, :d]
    Qdiags = torch.exp(log_diags)
    sum_qs = torch.sum(log_diags, dim=1)
    Ls = torch.cat([torch.zeros((k, 1), dtype=icf.dtype), icf[:, d:]], dim=1)[:, tril_index]
    xcentered = x[None, :, :] - means[:, None, :]
    Lxcentered = Qdiags[:, None, :] * xcentered + xcentered @ Ls.transpose(1, 2)
    sqsum = torch.sum(Lxcentered ** 2, dim=2)
    inner = alphas[:, None] + sum_qs[:, None] - 0.5 * sqsum
    constant = -n * d * 0.5 * math.log(2.0 * math.pi)
    m = d + wishart_m + 1
    frobenius = torch.sum(Qdiags ** 2, dim=1) + torch.sum(icf[:, d:] ** 2, dim=1)
    prior = torch.sum(0.5 * wishart_gamma * wishart_gamma * frobenius - wishart_m * sum_qs)
    C = m * d * math.log(wishart_gamma / math.sqrt(2.0))
    prior = prior - k * (C - log_multigamma(0.5 * m, d))
    return constant + torch.sum(logsumexp(inner, 0)) - n * logsumexp(alphas, 0) + prior
