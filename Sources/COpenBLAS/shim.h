#pragma once
// pkg-config openblas adds -I.../openblas-pthread/, so this is OpenBLAS's own cblas.h
// (it also declares openblas_set_num_threads and openblas_get_config).
#include <cblas.h>

// OpenBLAS's work-buffer allocator (exported by libopenblas, not declared in cblas.h). geomap
// calls it only to map the buffers up front under a virtual-memory limit (Tensor/BLASMemory).
void *blas_memory_alloc(int procpos);
void blas_memory_free(void *buffer);
