#pragma once
// pkg-config openblas adds -I.../openblas-pthread/, so this is OpenBLAS's own cblas.h
// (it also declares openblas_set_num_threads and openblas_get_config).
#include <cblas.h>
