package vec

import "fmt"

// SumBlock is the block length of Sum's fixed summation order.
const SumBlock = 4096

// Sum returns the sum of x in a fixed order that does not depend on the
// processor, the build or the number of goroutines, so that every path
// returns the same bits:
//
//   - a slice of at most SumBlock elements is summed in eight lanes:
//     partial sum p (p = 0, …, 7) adds x[i] for i ≡ p (mod 8) in increasing
//     i over the first len(x)&^7 elements, the partials are combined as
//     ((s0+s4) + (s2+s6)) + ((s1+s5) + (s3+s7)), and the last len(x)%8
//     elements are added one at a time;
//   - a longer slice is cut into blocks of SumBlock elements (the last one
//     shorter), each block is summed as above, and the block sums are added
//     in the same eight-lane order.
//
// Eight lanes let the additions overlap in the processor (AVX2: two
// four-wide accumulators), and the rounding error grows with the length of
// the longest chain, about len(x)/8 additions for a block plus len(x)/(8·4096)
// for the block sums, instead of len(x). The sum of an empty slice, or of
// zeros of either sign, is +0. From SumParallelMin elements on the blocks
// are shared among goroutines; the result is the same.
func Sum(x []float64) float64 {
	if len(x) <= SumBlock {
		return blockSum(x)
	}
	nb := (len(x) + SumBlock - 1) / SumBlock
	if w := SumWorkers(len(x)); w > 1 && nb > 1 {
		return sumParallel(x, nb, min(w, nb))
	}
	// The eight-lane order of sum8Generic over the block sums, streamed.
	var s [8]float64
	k := 0
	for ; k+8 <= nb; k += 8 {
		for p := range s {
			s[p] += blockSum(block(x, k+p))
		}
	}
	t := combine8(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
	for ; k < nb; k++ {
		t += blockSum(block(x, k))
	}
	return t
}

// block returns block k of x in Sum's decomposition.
func block(x []float64, k int) []float64 {
	return x[k*SumBlock : min((k+1)*SumBlock, len(x))]
}

// sumParallel computes the nb block sums of x on up to w goroutines (see
// For) and adds them as Sum does.
func sumParallel(x []float64, nb, w int) float64 {
	bs := make([]float64, nb)
	For(nb, w, func(k0, k1 int) { blockSums(bs, x, k0, k1) })
	return sum8Generic(bs)
}

// blockSums sets bs[k] to the sum of block k of x for k0 ≤ k < k1.
func blockSums(bs, x []float64, k0, k1 int) {
	for k := k0; k < k1; k++ {
		bs[k] = blockSum(block(x, k))
	}
}

// Dot returns the sum of the products a[i]·b[i], each product rounded
// before it is added (no fused multiply-add), in Sum's fixed order: the
// result is Sum of the slice of rounded products, without forming it. a
// and b must have the same length.
func Dot(a, b []float64) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("vec: Dot: length mismatch %d and %d", len(a), len(b)))
	}
	if len(a) <= SumBlock {
		return blockDot(a, b)
	}
	nb := (len(a) + SumBlock - 1) / SumBlock
	if w := SumWorkers(len(a)); w > 1 && nb > 1 {
		return dotParallel(a, b, nb, min(w, nb))
	}
	var s [8]float64
	k := 0
	for ; k+8 <= nb; k += 8 {
		for p := range s {
			s[p] += blockDot(block(a, k+p), block(b, k+p))
		}
	}
	t := combine8(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
	for ; k < nb; k++ {
		t += blockDot(block(a, k), block(b, k))
	}
	return t
}

// dotParallel is sumParallel for Dot.
func dotParallel(a, b []float64, nb, w int) float64 {
	bs := make([]float64, nb)
	For(nb, w, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			bs[k] = blockDot(block(a, k), block(b, k))
		}
	})
	return sum8Generic(bs)
}

// SumOfBlocks returns the sum of the block sums bs (more than one) in
// Sum's order: what Sum returns for a slice whose blocks sum to bs.
func SumOfBlocks(bs []float64) float64 { return sum8Generic(bs) }
