#pragma once
#include <netcdf.h>
#include <netcdf_filter.h>
