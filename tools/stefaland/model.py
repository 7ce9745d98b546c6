"""PyTorch mirror of StefaLand, written from docs/reference/stefaland.md (§2, §3, §5).

Module and parameter names follow the upstream state-dict keys (spec §3 and §3.1), so
upstream checkpoints load into these classes with ``strict=True``:

* ``Pretrained``  — the pretraining model (``StefaLand.py`` / ``MFFormer_dec_LSTM``): per-variable
  embeddings, learned positions, post-norm ReLU transformer encoder, encoder norm, enc→dec
  projection, and a decoder (``'lstm'``: one ``nn.LSTM``, the released checkpoint's variant, or
  ``'transformer'`` with ``num_dec_layers`` layers) with per-variable reconstruction heads.
* ``FineTuned``   — the δMG ``Finetuneing`` head (``pretrained_type='mfformer'``, adapter
  ``dual_residual`` or ``none``, optional residual LSTM), wrapped in ``DplModel`` so its state
  dict carries the ``nn_model.`` prefix.

Semantics: the *intended* batch-first layout (spec §5.3 (b)): the encoder runs over days of
one basin, each basin sees its own statics, and the static token is dropped from the features
handed to the head. The release's time/basin mix-up is NOT reproduced.

Everything here runs in eval mode (dropout = identity); no masking path is needed for
inference, but ``Pretrained.forward`` accepts masks for the demo pretraining script.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F

MAX_LEN = 1000      # rows of the learned positional table and of the static masked_values
HIDDEN = 64         # width of the per-variable MLPs


def _var_linears(names, n_in, n_out):
    return nn.ModuleDict({v: nn.Linear(n_in, n_out) for v in names})


class TimeSeriesEncEmbedding(nn.Module):
    """Dynamic inputs: one MLP 1→64→d per variable (GELU), outputs summed over variables."""

    def __init__(self, names, d, dropout=0.1):
        super().__init__()
        self.names = list(names)
        self.masked_values = nn.Parameter(torch.zeros(len(names), d))
        self.embeddings1 = _var_linears(names, 1, HIDDEN)
        self.embeddings2 = _var_linears(names, HIDDEN, d)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, mask=None):
        """x: [B, T, F] normalised; mask: [B, T, F] bool or None → [B, T, d]."""
        parts = []
        for i, v in enumerate(self.names):
            h = self.dropout(F.gelu(self.embeddings1[v](x[..., i:i + 1])))
            parts.append(self.embeddings2[v](h))
        e = torch.stack(parts, dim=-2)                        # [B, T, F, d]
        if mask is not None:
            e = torch.where(mask[..., None], self.masked_values.expand_as(e), e)
        return e.sum(dim=-2)


class StaticEncEmbedding(nn.Module):
    """Static inputs (numeric only): one MLP 1→64→d per variable, summed. Masking is at value
    level with a [1000, C] table indexed by batch row (spec §2.2)."""

    def __init__(self, names, d, dropout=0.1):
        super().__init__()
        self.names = list(names)
        self.masked_values = nn.Parameter(torch.zeros(MAX_LEN, len(names)))
        self.numerical_embeddings1 = _var_linears(names, 1, HIDDEN)
        self.numerical_embeddings2 = _var_linears(names, HIDDEN, d)
        self.dropout = nn.Dropout(dropout)

    def forward(self, c, mask=None):
        """c: [B, C] normalised; mask: [B, C] bool or None → [B, d]."""
        if mask is not None:
            c = torch.where(mask, self.masked_values[:c.shape[0]], c)
        parts = []
        for i, s in enumerate(self.names):
            h = self.dropout(F.gelu(self.numerical_embeddings1[s](c[:, i:i + 1])))
            parts.append(self.numerical_embeddings2[s](h))
        return torch.stack(parts, dim=-1).sum(dim=-1)


class PositionalEncoding(nn.Module):
    """Learned table [1000, d]; token k gets row k (static token last gets row T)."""

    def __init__(self, d, dropout=0.1):
        super().__init__()
        self.position_embedding = nn.Parameter(torch.zeros(MAX_LEN, d))
        self.dropout = nn.Dropout(dropout)

    def forward(self, z):
        return self.dropout(z + self.position_embedding[None, :z.shape[1]])


class TransformerBackbone(nn.Module):
    """x·√d, then L post-norm ReLU encoder layers (PyTorch defaults, sequence-first inside)."""

    def __init__(self, d, layers, d_ff, heads, dropout=0.1):
        super().__init__()
        self.d = d
        layer = nn.TransformerEncoderLayer(d, heads, d_ff, dropout)
        self.transformer_encoder = nn.TransformerEncoder(layer, layers,
                                                         enable_nested_tensor=False)

    def forward(self, x):
        """x: [B, N, d] → [B, N, d]."""
        x = x * math.sqrt(self.d)
        return self.transformer_encoder(x.transpose(0, 1)).transpose(0, 1)


class TimeSeriesDecEmbedding(nn.Module):
    """Reconstruction heads per dynamic variable: d→64 (GELU)→1."""

    def __init__(self, names, d, dropout=0.1):
        super().__init__()
        self.names = list(names)
        self.embeddings1 = _var_linears(names, d, HIDDEN)
        self.embeddings2 = _var_linears(names, HIDDEN, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, h):
        return torch.cat([self.embeddings2[v](self.dropout(F.gelu(self.embeddings1[v](h))))
                          for v in self.names], dim=-1)


class StaticDecEmbedding(nn.Module):
    """Reconstruction heads per static variable: d→64 (GELU)→1."""

    def __init__(self, names, d, dropout=0.1):
        super().__init__()
        self.names = list(names)
        self.numerical_embeddings1 = _var_linears(names, d, HIDDEN)
        self.numerical_embeddings2 = _var_linears(names, HIDDEN, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, h):
        return torch.cat([self.numerical_embeddings2[s](
            self.dropout(F.gelu(self.numerical_embeddings1[s](h)))) for s in self.names], dim=-1)


class Pretrained(nn.Module):
    """The pretrained model. decoder='lstm' (released) or 'transformer' (num_dec_layers)."""

    def __init__(self, dynamic, static, d=256, heads=4, enc_layers=4, d_ff=512,
                 decoder='lstm', dec_layers=2, dropout=0.1):
        super().__init__()
        self.dynamic, self.static, self.d = list(dynamic), list(static), d
        self.decoder_kind = decoder
        self.dec_layers = dec_layers
        # registration order matches upstream (spec §3)
        self.encoder_norm = nn.LayerNorm(d)
        self.decoder_norm = nn.LayerNorm(d)
        self.time_series_embedding = TimeSeriesEncEmbedding(dynamic, d, dropout)
        self.static_embedding = StaticEncEmbedding(static, d, dropout)
        self.positional_encoding = PositionalEncoding(d, dropout)
        self.encoder = TransformerBackbone(d, enc_layers, d_ff, heads, dropout)
        self.enc_2_dec_embedding = nn.Linear(d, d)
        if decoder == 'lstm':
            self.decoder = nn.LSTM(d, d, batch_first=True)
        else:
            self.decoder = TransformerBackbone(d, dec_layers, d_ff, heads, dropout)
        self.time_series_projection = TimeSeriesDecEmbedding(dynamic, d, dropout)
        self.static_projection = StaticDecEmbedding(static, d, dropout)
        self.dropout = nn.Dropout(dropout)

    def init_uniform(self, a=0.02):
        """Upstream init for positions, per-variable MLPs and masked values: U(±a)."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.startswith(('positional_encoding', 'time_series_embedding',
                                    'static_embedding', 'time_series_projection',
                                    'static_projection')):
                    p.uniform_(-a, a)

    def encode(self, x, c, x_mask=None, c_mask=None):
        """x: [B, T, F], c: [B, C] → hidden states after enc→dec, [B, T+1, d]."""
        z = torch.cat([self.time_series_embedding(x, x_mask),
                       self.static_embedding(c, c_mask)[:, None, :]], dim=1)
        z = self.positional_encoding(z)
        h = self.dropout(self.encoder_norm(self.encoder(z)))
        return self.enc_2_dec_embedding(h)

    def embeddings(self, x, c):
        """The fine-tuning feature: time tokens only, [B, T, d]."""
        return self.encode(x, c)[:, :x.shape[1]]

    def forward(self, x, c, x_mask=None, c_mask=None):
        """Masked reconstruction: → ([B, T, F], [B, C]) in normalised units."""
        h = self.encode(x, c, x_mask, c_mask)
        if self.decoder_kind == 'lstm':
            h = self.dropout(self.decoder_norm(self.decoder(h)[0]))
        elif self.dec_layers > 0:
            h = self.dropout(self.decoder_norm(self.decoder(h)))
        return self.time_series_projection(h[:, :-1]), self.static_projection(h[:, -1])


class CudnnLstm(nn.Module):
    """δMG's LSTM: parameters w_ih [4H, nx], w_hh [4H, H], b_ih, b_hh; gates i, f, g, o."""

    def __init__(self, nx, hidden):
        super().__init__()
        self.hidden = hidden
        self.w_ih = nn.Parameter(torch.empty(4 * hidden, nx))
        self.w_hh = nn.Parameter(torch.empty(4 * hidden, hidden))
        self.b_ih = nn.Parameter(torch.empty(4 * hidden))
        self.b_hh = nn.Parameter(torch.empty(4 * hidden))
        bound = 1.0 / math.sqrt(hidden)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x):
        """x: [B, T, nx] (batch-first here; the recurrence runs over T) → [B, T, H]."""
        h0 = x.new_zeros(1, x.shape[0], self.hidden)
        # the same kernel as nn.LSTM(batch_first=True), fed these four tensors
        return torch._VF.lstm(x, (h0, h0), [self.w_ih, self.w_hh, self.b_ih, self.b_hh],
                              True, 1, 0.0, self.training, False, True)[0]

    def forward_loop(self, x):
        """The recurrence of spec §5.4 written out (a check on ``forward``)."""
        B, T, _ = x.shape
        h = x.new_zeros(B, self.hidden)
        c = x.new_zeros(B, self.hidden)
        out = []
        for t in range(T):
            g = x[:, t] @ self.w_ih.T + self.b_ih + h @ self.w_hh.T + self.b_hh
            i, f, gg, o = g.chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
            h = torch.sigmoid(o) * torch.tanh(c)
            out.append(h)
        return torch.stack(out, dim=1)


class DualResidualAdapter(nn.Module):
    """a = LN2(LN1(h + W_c2·ReLU(W_c1[h; tp; sp])) + tp + sp), tp/sp = ReLU(linear)."""

    def __init__(self, d, n_ts, n_st):
        super().__init__()
        self.time_transform = nn.Sequential(nn.Linear(n_ts, d), nn.ReLU(), nn.Dropout(0.1))
        self.static_transform = nn.Sequential(nn.Linear(n_st, d), nn.ReLU(), nn.Dropout(0.1))
        self.combined_transform = nn.Sequential(nn.Linear(3 * d, 2 * d), nn.ReLU(),
                                                nn.Dropout(0.2), nn.Linear(2 * d, d))
        self.layer_norm1 = nn.LayerNorm(d)
        self.layer_norm2 = nn.LayerNorm(d)

    def forward(self, h, x, c):
        tp = self.time_transform(x)
        sp = self.static_transform(c)[:, None, :].expand_as(h)
        u = self.combined_transform(torch.cat([h, tp, sp], dim=-1))
        return self.layer_norm2(self.layer_norm1(h + u) + tp + sp)


class FineTuned(nn.Module):
    """δMG Finetuneing (mfformer): frozen encoder → LN·scale → adapter → (residual) LSTM →
    projection. The pretrained part uses a transformer decoder (unused at inference)."""

    def __init__(self, dynamic, static, n_y=1, d=256, heads=4, enc_layers=4, d_ff=512,
                 dec_layers=2, adapter='dual_residual', residual_lstm=True, dropout=0.1):
        super().__init__()
        n_ts, n_st = len(dynamic), len(static)
        self.n_ts = n_ts
        self.residual_lstm = residual_lstm
        self.adapter_kind = adapter
        self.pretrained_model = Pretrained(dynamic, static, d, heads, enc_layers, d_ff,
                                           decoder='transformer', dec_layers=dec_layers,
                                           dropout=dropout)
        self.adapter = DualResidualAdapter(d, n_ts, n_st) if adapter == 'dual_residual' \
            else nn.Identity()
        self.decoder = CudnnLstm(d, d)
        if residual_lstm:
            self.pre_lstm = nn.Linear(d + n_ts + n_st, d)
            self.post_lstm = nn.Linear(d + n_ts + n_st, d)
        self.direct_input_projection = nn.Linear(n_ts + n_st, d)
        self.projection = nn.Linear(d, n_y)
        self.embedding_norm = nn.LayerNorm(d)
        self.embedding_scale = nn.Parameter(torch.ones(1) * 0.1)

    def forward(self, x, c):
        """x: [B, T, F], c: [B, C] normalised, finite → predictions [B, T, n_y]."""
        return self.head(self.pretrained_model.embeddings(x, c), x, c)

    def head(self, h, x, c):
        """The trainable part: encoder embeddings h [B, T, d] (+ inputs) → [B, T, n_y]."""
        h = self.embedding_norm(h) * self.embedding_scale
        a = self.adapter(h, x, c) if self.adapter_kind == 'dual_residual' else self.adapter(h)
        if self.residual_lstm:
            cs = c[:, None, :].expand(-1, x.shape[1], -1)
            o = self.decoder(self.pre_lstm(torch.cat([a, x, cs], dim=-1)))
            r = self.post_lstm(torch.cat([o, x, cs], dim=-1)) + o
        else:
            r = self.decoder(a)
        return self.projection(r)


class DplModel(nn.Module):
    """Holds the network as ``nn_model`` so state-dict keys carry the ``nn_model.`` prefix."""

    def __init__(self, nn_model):
        super().__init__()
        self.nn_model = nn_model

    def forward(self, x, c):
        return self.nn_model(x, c)


def pretraining_checkpoint(model, epoch=0):
    """The dict ``Exp_Basic.save_model`` writes (spec §6)."""
    return {'epoch': epoch, 'model_state_dict': model.state_dict(), 'optim_state_dict': {},
            'epoch_train_loss_list': [], 'epoch_val_loss_list': []}
