// Models: model files (safetensors, safe PyTorch checkpoint import), layers and architectures.
