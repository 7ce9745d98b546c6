#pragma once
#include <hdf5.h>

// Macros Swift cannot import (casts, calls), as functions.

/// H5P_DEFAULT: the default property list.
static inline hid_t geomap_h5p_default(void) { return H5P_DEFAULT; }
/// H5E_DEFAULT: the calling thread's default error stack.
static inline hid_t geomap_h5e_default(void) { return H5E_DEFAULT; }
/// H5F_ACC_RDONLY: open read-only.
static inline unsigned geomap_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
/// HADDR_UNDEF: the address of a chunk that was never written.
static inline haddr_t geomap_haddr_undef(void) { return HADDR_UNDEF; }
