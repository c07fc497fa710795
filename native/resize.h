// Resizing raw 8-bit images to the network's square input inside the engine, bit for bit as
// src/data/resize.ts does it (the reference: a test compares every MNIST image), so that a batch
// is gathered and resized by the task that trains on it instead of in JavaScript.
#pragma once
#include <cstdint>
#include <vector>

namespace lenet {

enum ResizeMode { kResizeBilinear = 0, kResizePad = 1 };

class ImageResizer {
 public:
  // rows x cols images to size x size; mode: ResizeMode. False if pad would not fit.
  bool configure(long rows, long cols, long size, int mode);
  bool configured() const { return size_ > 0; }
  long rows() const { return rows_; }
  long cols() const { return cols_; }
  long size() const { return size_; }
  // out [size][size] from one image [rows][cols]; scratch: rows*size doubles
  void resize(float* out, const uint8_t* image, double* scratch) const;

 private:
  long rows_ = 0, cols_ = 0, size_ = 0;
  int mode_ = kResizeBilinear;
  std::vector<int32_t> x0_, x1_, y0_, y1_;
  std::vector<double> wx_, wy_;
  long first_ = 0;  // pad: where pixel (0, 0) goes
};

}  // namespace lenet
