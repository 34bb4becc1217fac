// Package gemm provides Dgemm, the float64 matrix-multiply kernel behind every
// matrix product in package tensor: C = alpha*op(A)*op(B) + beta*C on
// row-major matrices, with the semantics of gonum's row-major blas64 Dgemm.
//
// # Blocking scheme
//
// Dgemm follows Goto and van de Geijn ("Anatomy of high-performance matrix
// multiplication", ACM TOMS 34(3), 2008) as refined in BLIS (Van Zee and van
// de Geijn, ACM TOMS 41(3), 2015). Five loops wrap a micro-kernel:
//
//	for jc in steps of NC over the columns of C:
//	    for pc in steps of KC over the inner dimension:
//	        pack op(B)[pc:pc+KC, jc:jc+NC] into NR-column slivers   (L3)
//	        for ic in steps of MC over the rows of C:
//	            pack op(A)[ic:ic+MC, pc:pc+KC] into MR-row slivers  (L2)
//	            for jr in steps of NR:                 // B sliver stays in L1
//	                for ir in steps of MR:             // A slivers stream from L2
//	                    C[ir:ir+MR, jr:jr+NR] += Ã(ir)·B̃(jr)   (micro-kernel)
//
// Packing copies each block into the exact order the micro-kernel reads it,
// so the kernel's loads are sequential and unit-stride whatever the strides
// and transposition of the operands: a transposed operand is packed straight
// from its storage, never copied into a transposed matrix first. Packing
// costs O(m·k + k·n) against the product's O(m·n·k): each packed value of A
// meets up to NC values of B, and each packed value of B up to MC of A,
// while it stays in cache.
//
// On amd64 with AVX2 and FMA the micro-kernel is 6×8 in assembly: the tile
// of C lives in twelve ymm registers (6 rows × 2 registers of 4 float64s),
// two registers hold a row of the B sliver and two take broadcasts of A, so
// each step of the inner dimension issues 12 VFMADD231PD against 8 loads.
// Twelve independent accumulators cover the FMA latency (4 cycles) times
// the two FMA pipes of a Zen 3 core, so the kernel can issue two FMAs every
// cycle. The block sizes are chosen for a Zen 3 core (32 KiB L1d, 512 KiB
// L2, 32 MiB L3 shared by 8 cores):
//
//   - KC = 256: a 256×8 B sliver is 16 KiB, half of L1, leaving room for the
//     6×256 A sliver (12 KiB) streaming past it.
//   - MC = 120: the 120×256 packed A block is 240 KiB, about half of L2, so
//     it stays resident while the B slivers of the panel cycle through.
//   - NC = 2048: the 256×2048 packed B panel is 4 MiB, an eighth of L3.
//
// Blocks are balanced: a dimension needing b blocks is cut into b nearly
// equal blocks rather than full blocks and a thin remainder, which would
// make the micro-kernel run with a short inner loop. Where m or n is not a
// multiple of the tile, packing pads the last sliver with zeros and the
// micro-kernel computes into a local tile whose valid part is copied out.
// When beta is zero C is written without being read, so NaN in C does not
// leak into the result; beta is applied at the first KC step only.
//
// Elsewhere (no AVX2/FMA, other architectures, or the purego build tag) a
// portable 2×4 micro-kernel in Go runs inside the same blocking. The choice
// is made once at start-up from the features that package
// tensor/internal/cpu probes with CPUID and XGETBV (AVX2, FMA, and OS
// support for saving the YMM registers).
//
// # Small and thin products
//
// Products of at most directMaxWork (6³) multiply-adds, and those with m = 1
// or n = 1, use a direct loop: there packing costs more than it saves.
//
// # Parallelism
//
// Products of at least parallelMinWork multiply-adds use up to
// runtime.GOMAXPROCS(0) goroutines, at least workPerWorker multiply-adds
// each. C is cut into one slab per goroutine, a range of columns (or of
// rows when C is taller than wide), and each slab runs the whole blocked
// algorithm above with its own packing buffers. The slabs are handed out
// by package vec's Run: the caller takes one, a helper goroutine of vec's
// pool the next, and the caller takes any slab no helper has taken by the
// time it is done, so a helper that is slow to wake delays nothing. The
// goroutines write nothing in common and never wait for one another, and
// each core's caches hold only its own packed blocks. The price is that
// each slab packs all of the operand it shares (A for column slabs, B for
// row slabs): O(m·k) extra work against O(m·n·k/p) of arithmetic. Three
// designs with finer, dynamic work sharing were measured against it on two
// cores at 512³ and lost: one packed B panel shared by goroutines taking
// row blocks from a queue (a barrier per panel), one packed copy of all of
// B shared by goroutines taking shrinking row blocks (guided
// self-scheduling), and the same with a private copy of B per goroutine;
// they used 5–15% more CPU time, from B passing between the cores' caches
// and from streaming all of B once per row block. Two slabs per goroutine
// lost too, on the products of a 784-256-256-10 perceptron (see
// slabsPerWorker). All slabs are done before Dgemm returns, and since slab
// boundaries are multiples of the micro-kernel's tile, every element of C
// is computed by the same operations in the same order whatever the
// number of goroutines: the result is the same bits. The packing buffers
// come from a sync.Pool.
//
// # Accuracy
//
// Each element of C is a sum of k products accumulated in a different order
// from the reference BLAS, with the usual bound |Ĉ − C| ≤ γ_k·|alpha|·|A|·|B|
// elementwise plus the rounding of the beta term, γ_k = k·u/(1 − k·u)
// (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §3.5).
// Results agree with gonum's Dgemm to within that bound, not bit for bit.
package gemm
