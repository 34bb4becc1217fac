package graph

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Convolution: Im2Col, Col2Im and Conv2D ----
//
// Im2Col unfolds the sliding windows of an image batch into the rows of a
// matrix, so that a convolution is one matrix product on the packed kernel;
// Col2Im folds such a matrix back, adding overlapping windows. The two are
// linear and each other's adjoint: the VJP of one is the other, and so is
// the JVP of each applied to the tangent. Conv2D is a composition of
// Im2Col, MatMulT and Reshape, so its derivatives of every
// order come from theirs: the VJP with respect to the input is
// Col2Im(gᵀ·W), a recorded op like any other.

// window is the geometry of a 2-D sliding window over images of shape
// [N, C, H, W]: its size, strides and zero padding (rows, then columns),
// and the image shape it was applied to.
type window struct {
	kh, kw, sh, sw, ph, pw int
	n, c, h, w             int // image shape
	oh, ow                 int // output positions per image
}

// newWindow checks the geometry of a window of the given size, stride and
// padding over images of shape img and returns it; op names the caller.
func newWindow(op string, img []int, size, stride, pad [2]int) *window {
	if len(img) != 4 {
		panic(fmt.Sprintf("graph: %s: input shape %v, want [N C H W]", op, img))
	}
	if size[0] < 1 || size[1] < 1 || stride[0] < 1 || stride[1] < 1 || pad[0] < 0 || pad[1] < 0 {
		panic(fmt.Sprintf("graph: %s: window %v, stride %v, padding %v: want size and stride ≥ 1, padding ≥ 0", op, size, stride, pad))
	}
	w := &window{kh: size[0], kw: size[1], sh: stride[0], sw: stride[1], ph: pad[0], pw: pad[1],
		n: img[0], c: img[1], h: img[2], w: img[3]}
	if img[2]+2*pad[0] < size[0] || img[3]+2*pad[1] < size[1] {
		panic(fmt.Sprintf("graph: %s: window %v larger than the padded input %v (padding %v)", op, size, img, pad))
	}
	w.oh = (w.h+2*w.ph-w.kh)/w.sh + 1
	w.ow = (w.w+2*w.pw-w.kw)/w.sw + 1
	return w
}

// colsShape returns the shape of the unfolded matrix: one row per output
// position (n, oy, ox), one column per window element (c, ky, kx).
func (w *window) colsShape() []int {
	return []int{w.n * w.oh * w.ow, w.c * w.kh * w.kw}
}

// Conv2DShape returns the shape [N, O, OH, OW] of the convolution of
// images of shape x = [N, C, H, W] with weights of shape w = [O, C, KH, KW]
// at the given strides and zero padding (rows, columns):
// OH = ⌊(H + 2·pad[0] − KH)/stride[0]⌋ + 1, and likewise OW. It panics if
// the shapes do not conform.
func Conv2DShape(x, w []int, stride, pad [2]int) []int {
	if len(w) != 4 || len(x) != 4 || w[1] != x[1] {
		panic(fmt.Sprintf("graph: Conv2D: input shape %v, weight shape %v: want [N C H W] and [O C KH KW]", x, w))
	}
	win := newWindow("Conv2D", x, [2]int{w[2], w[3]}, stride, pad)
	return []int{x[0], w[0], win.oh, win.ow}
}

// Conv2D records the 2-D convolution (cross-correlation, as in deep
// learning libraries) of the images x, of shape [N, C, H, W], with the
// filters w, of shape [O, C, KH, KW]:
//
//	y[n, o, i, j] = Σ_{c, p, q} w[o, c, p, q] · x[n, c, i·s₀ + p − pad₀, j·s₁ + q − pad₁],
//
// with x read as zero outside the image; the result has shape
// [N, O, OH, OW] (see Conv2DShape). stride and pad give the strides
// (≥ 1) and the zero padding (≥ 0) along rows and columns.
//
// It unfolds x by Im2Col into N matrices cols_n of shape [OH·OW, C·KH·KW]
// and multiplies each by w viewed as [O, C·KH·KW] on the packed kernel,
// W·cols_nᵀ, which lands in NCHW order with no transposition:
// 2·N·OH·OW·O·C·KH·KW flops, and N·OH·OW·C·KH·KW floats of memory for the
// unfolded input. Its VJPs are products too (the weights' adjoint
// Σ_n g_n·cols_n, the input's Col2Im(gᵀ·W)), all recorded ops, so HVPs
// through it are exact.
func Conv2D(x, w *Node, stride, pad [2]int) *Node {
	checkInput("Conv2D", x.tape, x)
	checkInput("Conv2D", x.tape, w)
	ys := Conv2DShape(x.Shape(), w.Shape(), stride, pad)
	ws := w.Shape()
	n, o, p := ys[0], ys[1], ys[2]*ys[3]
	ckk := ws[1] * ws[2] * ws[3]
	cols := Reshape(Im2Col(x, [2]int{ws[2], ws[3]}, stride, pad), n, p, ckk)
	y := MatMulT(Reshape(w, o, ckk), cols, false, true) // [N, O, P]
	return Reshape(y, ys...)
}

// Im2Col records the sliding windows of the images x, of shape
// [N, C, H, W], unfolded into the rows of a matrix of shape
// [N·OH·OW, C·KH·KW]: row (n·OH + i)·OW + j holds the window at output
// position (i, j) of image n, its elements in the order (c, p, q), with
// zeros where the window extends into the padding. size is the window
// (KH, KW); stride and pad are as in Conv2D. It costs one pass writing the
// N·OH·OW·C·KH·KW elements. Its VJP is Col2Im.
func Im2Col(x *Node, size, stride, pad [2]int) *Node {
	win := newWindow("Im2Col", x.Shape(), size, stride, pad)
	n := unaryNode(im2colOp, x, win.colsShape())
	n.params().ext = win
	im2col(n.val().Data(), x.val().Data(), win)
	return x.tape.record(n)
}

var im2colOp = new(Op)

func init() {
	*im2colOp = Op{
		Name: "Im2Col",
		JVP: func(n *Node, dst *tensor.Tensor) {
			im2col(dst.Data(), n.in[0].tan().Data(), n.p.ext.(*window))
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, col2imNode(g, n.p.ext.(*window)))
		},
	}
}

// Col2Im records the adjoint of Im2Col: the rows of cols, of shape
// [N·OH·OW, C·KH·KW], folded back into images of shape image =
// [N, C, H, W], every window element added into the pixel it was read
// from (elements that fell into the padding are dropped). size, stride and
// pad are those of the Im2Col being undone. It costs one pass over cols.
// Its VJP is Im2Col.
func Col2Im(cols *Node, image []int, size, stride, pad [2]int) *Node {
	win := newWindow("Col2Im", image, size, stride, pad)
	if !tensor.SameShape(cols.Shape(), win.colsShape()) {
		panic(fmt.Sprintf("graph: Col2Im: columns of shape %v for image %v with window %v, stride %v, padding %v: want %v",
			cols.Shape(), image, size, stride, pad, win.colsShape()))
	}
	return col2imNode(cols, win)
}

func col2imNode(cols *Node, win *window) *Node {
	n := unaryNode(col2imOp, cols, []int{win.n, win.c, win.h, win.w})
	n.params().ext = win
	col2im(n.val().Data(), cols.val().Data(), win)
	return cols.tape.record(n)
}

var col2imOp = new(Op)

func init() {
	*col2imOp = Op{
		Name: "Col2Im",
		JVP: func(n *Node, dst *tensor.Tensor) {
			col2im(dst.Data(), n.in[0].tan().Data(), n.p.ext.(*window))
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			win := n.p.ext.(*window)
			adj.Add(0, Im2Col(g, [2]int{win.kh, win.kw}, [2]int{win.sh, win.sw}, [2]int{win.ph, win.pw}))
		},
	}
}

// im2col writes the unfolded windows of the images x into cols. Windows
// that lie wholly inside the image (the common case) are copied without
// bounds tests.
func im2col(cols, x []float64, win *window) {
	kh, kw, w := win.kh, win.kw, win.w
	kk := kh * kw
	ckk := win.c * kk
	hw := win.h * w
	row := 0
	for n := 0; n < win.n; n++ {
		img := x[n*win.c*hw : (n+1)*win.c*hw]
		for oy := 0; oy < win.oh; oy++ {
			y0 := oy*win.sh - win.ph
			yin := y0 >= 0 && y0+kh <= win.h
			for ox := 0; ox < win.ow; ox++ {
				x0 := ox*win.sw - win.pw
				dst := cols[row*ckk : (row+1)*ckk]
				row++
				if yin && x0 >= 0 && x0+kw <= w {
					k := 0
					for c := 0; c < win.c; c++ {
						base := c*hw + y0*w + x0
						for p := 0; p < kh; p++ {
							src := img[base+p*w : base+p*w+kw]
							d := dst[k : k+kw]
							for q := range d {
								d[q] = src[q]
							}
							k += kw
						}
					}
					continue
				}
				k := 0
				for c := 0; c < win.c; c++ {
					ch := img[c*hw : (c+1)*hw]
					for p := 0; p < kh; p++ {
						y := y0 + p
						d := dst[k : k+kw]
						k += kw
						if y < 0 || y >= win.h {
							for q := range d {
								d[q] = 0
							}
							continue
						}
						r := ch[y*w : (y+1)*w]
						for q := range d {
							if xx := x0 + q; xx >= 0 && xx < w {
								d[q] = r[xx]
							} else {
								d[q] = 0
							}
						}
					}
				}
			}
		}
	}
}

// col2im sets x to the sum of the windows in cols folded back into
// images, interior windows without bounds tests as in im2col.
func col2im(x, cols []float64, win *window) {
	clear(x)
	kh, kw, w := win.kh, win.kw, win.w
	kk := kh * kw
	ckk := win.c * kk
	hw := win.h * w
	row := 0
	for n := 0; n < win.n; n++ {
		img := x[n*win.c*hw : (n+1)*win.c*hw]
		for oy := 0; oy < win.oh; oy++ {
			y0 := oy*win.sh - win.ph
			yin := y0 >= 0 && y0+kh <= win.h
			for ox := 0; ox < win.ow; ox++ {
				x0 := ox*win.sw - win.pw
				src := cols[row*ckk : (row+1)*ckk]
				row++
				if yin && x0 >= 0 && x0+kw <= w {
					k := 0
					for c := 0; c < win.c; c++ {
						base := c*hw + y0*w + x0
						for p := 0; p < kh; p++ {
							d := img[base+p*w : base+p*w+kw]
							s := src[k : k+kw]
							for q := range d {
								d[q] += s[q]
							}
							k += kw
						}
					}
					continue
				}
				k := 0
				for c := 0; c < win.c; c++ {
					ch := img[c*hw : (c+1)*hw]
					for p := 0; p < kh; p++ {
						y := y0 + p
						s := src[k : k+kw]
						k += kw
						if y < 0 || y >= win.h {
							continue
						}
						r := ch[y*w : (y+1)*w]
						for q, v := range s {
							if xx := x0 + q; xx >= 0 && xx < w {
								r[xx] += v
							}
						}
					}
				}
			}
		}
	}
}
