// GeoRaster: GDAL rasters (datasets, windows, blocks, warping, COG output).
