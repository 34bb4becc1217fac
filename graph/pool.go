package graph

import (
	"fmt"
	"math"
)

// ---- Pooling: MaxPool2D, AvgPool2D ----
//
// Both slide a window over images of shape [N, C, H, W], channel by
// channel, with the geometry of Conv2D (size, strides, zero padding) and
// give [N, C, OH, OW]. MaxPool2D is a gather of the selected elements, so
// its derivatives are those of GatherElements; AvgPool2D is the mean of the
// Im2Col windows, so its derivatives are those of Im2Col and MeanAxis.

// MaxPool2D records the maximum of each window of size (KH, KW) over the
// images x, of shape [N, C, H, W], taken channel by channel at the given
// strides; padding adds positions that never win (as if −∞), and must be
// smaller than the window so every window holds an image element. The
// result has shape [N, C, OH, OW], OH = ⌊(H + 2·pad[0] − KH)/stride[0]⌋ + 1
// and likewise OW.
//
// Derivative: each output is the element of its window that attains the
// maximum, so the adjoint flows to that element alone. At a tie the
// subgradient chosen is the first maximum in row-major order of the window
// (smallest row, then smallest column), the convention of the common deep
// learning libraries; a NaN in a window is selected and so propagates. The
// second derivative is zero. It costs one pass over the N·C·OH·OW windows.
func MaxPool2D(x *Node, size, stride, pad [2]int) *Node {
	win := newWindow("MaxPool2D", x.Shape(), size, stride, pad)
	if pad[0] >= size[0] || pad[1] >= size[1] {
		panic(fmt.Sprintf("graph: MaxPool2D: padding %v not smaller than the window %v", pad, size))
	}
	idx := make([]int, win.n*win.c*win.oh*win.ow)
	argmaxWindows(idx, x.val().Data(), win)
	return Reshape(gatherFlat(x, idx), win.n, win.c, win.oh, win.ow)
}

// argmaxWindows writes into idx the flat index in x of the selected
// maximum of every window (see MaxPool2D), in [N, C, OH, OW] order.
func argmaxWindows(idx []int, x []float64, win *window) {
	hw := win.h * win.w
	if win.kh == 2 && win.kw == 2 && win.sh == 2 && win.sw == 2 && win.ph == 0 && win.pw == 0 {
		argmax2x2(idx, x, win)
		return
	}
	k := 0
	for nc := 0; nc < win.n*win.c; nc++ {
		base := nc * hw
		for oy := 0; oy < win.oh; oy++ {
			ylo, yhi := max(0, oy*win.sh-win.ph), min(win.h, oy*win.sh-win.ph+win.kh)
			for ox := 0; ox < win.ow; ox++ {
				xlo, xhi := max(0, ox*win.sw-win.pw), min(win.w, ox*win.sw-win.pw+win.kw)
				best, at := math.Inf(-1), -1
				for y := ylo; y < yhi && !math.IsNaN(best); y++ {
					for i := base + y*win.w + xlo; i < base+y*win.w+xhi; i++ {
						if v := x[i]; v > best || at < 0 || math.IsNaN(v) {
							best, at = v, i
							if math.IsNaN(v) {
								break
							}
						}
					}
				}
				idx[k] = at
				k++
			}
		}
	}
}

// AvgPool2D records the mean of each window of size (KH, KW) over the
// images x, of shape [N, C, H, W], channel by channel, at the given
// strides and zero padding; the result has shape [N, C, OH, OW] (as in
// MaxPool2D). Every window is divided by KH·KW, padding counted as zeros.
// It is the row mean of Im2Col of x viewed as N·C single-channel images:
// N·C·OH·OW·KH·KW floats of memory and flops, and derivatives of every
// order from those two ops.
func AvgPool2D(x *Node, size, stride, pad [2]int) *Node {
	win := newWindow("AvgPool2D", x.Shape(), size, stride, pad)
	cols := Im2Col(Reshape(x, win.n*win.c, 1, win.h, win.w), size, stride, pad)
	return Reshape(MeanAxis(cols, 1, false), win.n, win.c, win.oh, win.ow)
}

// argmax2x2 is argmaxWindows for the common 2×2 windows at stride 2
// without padding, with the same choice: the first maximum in row-major
// order, or the first NaN.
func argmax2x2(idx []int, x []float64, win *window) {
	w, hw := win.w, win.h*win.w
	k := 0
	for nc := 0; nc < win.n*win.c; nc++ {
		base := nc * hw
		for oy := 0; oy < win.oh; oy++ {
			r0 := base + 2*oy*w
			for ox := 0; ox < win.ow; ox++ {
				i := r0 + 2*ox
				best, at := x[i], i
				for _, j := range [3]int{i + 1, i + w, i + w + 1} {
					if v := x[j]; v > best || (v != v && best == best) {
						best, at = v, j
					}
				}
				idx[k] = at
				k++
			}
		}
	}
}
