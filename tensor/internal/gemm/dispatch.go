package gemm

// bestKernel is the fastest micro-kernel the CPU supports, chosen once at
// initialisation and never changed.
var bestKernel = kernels()[0]
