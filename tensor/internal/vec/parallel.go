package vec

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ParallelMin is the length from which the element-wise kernels of this
// package split their work over goroutines: below it one goroutine does
// all of it. SumParallelMin is the same for Sum and Dot.
//
// Both are measured, not guessed (BenchmarkSplit; the figures are in the
// package documentation): on the two cores of a shared Intel Xeon virtual
// machine (2 MiB of L2 per core) the split paid, in median, for every
// kernel measured from 2¹⁷ elements on in every run (1.6–2.1 times as
// fast at 2¹⁷, 1.4–2.3 at 2¹⁸), for most at 2¹⁶ (0.9–2.3), for some at
// 2¹⁵ (0.9–1.4) and for none at 2¹⁴ (0.6–1.1). Set GOMAXPROCS=1 to keep
// every kernel on one goroutine.
const (
	ParallelMin    = 1 << 17
	SumParallelMin = 1 << 17
)

// Workers returns the number of goroutines worth using for n elements of
// element-wise work: 1 below ParallelMin, otherwise as many as
// runtime.GOMAXPROCS allows with at least ParallelMin/2 elements each.
func Workers(n int) int { return WorkersFrom(n, ParallelMin) }

// SumWorkers is Workers for sums (with SumParallelMin for ParallelMin).
func SumWorkers(n int) int { return WorkersFrom(n, SumParallelMin) }

// WorkersFrom is Workers with the threshold lo (> 1) in place of
// ParallelMin, for kernels whose cost per element differs from that of
// this package's (the transcendental functions of package tensor).
func WorkersFrom(n, lo int) int {
	if n < lo {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), n/(lo/2)))
}

// chunksPerWorker is how many pieces For cuts the work of each goroutine
// into, so that a goroutine that starts late, or shares its core with
// another process, leaves its pieces to the others instead of making them
// wait.
const chunksPerWorker = 4

// For calls f(lo, hi) on contiguous ranges that partition [0, n), using up
// to w goroutines (the caller's among them), and returns when every call
// has returned. The ranges are about n/(4w) long, rounded up to a
// multiple of eight when longer than eight (so that element ranges keep
// the 64-byte alignment of the slices and two goroutines never write to
// one cache line). They are handed out as Run hands out its pieces.
//
// Which goroutine computes a range, and in what order the ranges are
// computed, depends on timing: f must give the same result whatever the
// order of its calls, as element-wise work does (reductions store one
// partial result per range and combine them afterwards in a fixed order,
// see Sum).
func For(n, w int, f func(lo, hi int)) {
	if w <= 1 || n <= 1 {
		f(0, n)
		return
	}
	chunk := (n + chunksPerWorker*w - 1) / (chunksPerWorker * w)
	if chunk > 8 {
		chunk = (chunk + 7) &^ 7
	}
	count := (n + chunk - 1) / chunk
	if count <= 1 {
		f(0, n)
		return
	}
	Run(count, w, func(c int) {
		lo := c * chunk
		f(lo, min(lo+chunk, n))
	})
}

// Run calls f(0), …, f(count−1), each once, on up to w goroutines (the
// caller's among them), and returns when every call has returned. The
// calls are taken in turn from a shared counter, so a goroutine that
// starts late, or shares its core with another process, takes fewer of
// them, and the caller makes them all when no other goroutine starts in
// time: Run is never much slower than the loop on one goroutine. When the
// last call still running is another goroutine's, the caller spins for it
// before it sleeps (see wait). A panic in f on another goroutine ends the
// program.
//
// The other goroutines come from a pool that the package keeps: a helper
// that has just finished work waits for more, spinning, for spinFor
// before it sleeps, because waking a sleeping goroutine on another core
// costs 30–60 µs on the virtual machines this was measured on (see
// doc.go), longer than many of the kernels it would share. The pool holds
// no data of any call: a helper that arrives after the last call was
// taken returns without touching the caller's memory.
func Run(count, w int, f func(i int)) {
	if w <= 1 || count <= 1 {
		for i := range count {
			f(i)
		}
		return
	}
	j := &job{f: f, count: int64(count), last: make(chan struct{}, 1)}
	pool.offer(j, min(w, count)-1)
	if !j.work() {
		pool.wait(j) // another goroutine is finishing the last call
	}
	pool.withdraw(j)
}

// job is the shared state of one Run call.
type job struct {
	f     func(i int)
	count int64         // number of calls
	next  atomic.Int64  // calls taken
	done  atomic.Int64  // calls finished
	last  chan struct{} // receives once if the last call finishes on a helper
}

// work makes calls until none is left, and reports whether it finished
// the last one still running.
func (j *job) work() (finishedLast bool) {
	for {
		c := j.next.Add(1) - 1
		if c >= j.count {
			return finishedLast
		}
		j.f(int(c))
		if j.done.Add(1) == j.count {
			finishedLast = true
		}
	}
}

// left reports whether calls of j remain to be taken.
func (j *job) left() bool { return j.next.Load() < j.count }

// spinFor is how long a helper that has just run out of work keeps
// looking for more before it sleeps. It covers the serial stretches
// between the parallel kernels of one training step (in the
// 784-256-256-10 perceptron of ad/hvp's BenchmarkTwoCores the longest,
// the last layer's small products and the loss, takes about 120 µs), so
// that helpers stay awake for a whole step and sleep soon after it. While
// it spins a helper yields at every turn, so it delays no other goroutine
// of the program, but it does take a core from other processes.
const spinFor = 200 * time.Microsecond

// A helper that spins takes a core that the operating system could give
// to the caller when other processes keep the other cores busy. Every
// contendedWindow of spinning, a helper reads how long the program's busy
// threads (those that ran for at least a quarter of the window: the
// caller's and the helpers') waited for a core meanwhile (see schedTimes):
// when that was more than contendedShare of the window, helpers sleep as
// soon as they run out of work, and callers as soon as they wait, for
// noSpinFor. On an idle two-core virtual machine the busy threads of a
// training step waited under 5% of the time; with another process busy on
// one core, 55–58%. Threads that were idle do not count: a thread the
// runtime wakes to look for work waits for a core while the caller and a
// spinning helper hold both, up to milliseconds, without delaying
// anything. (An earlier rule, one gap of over 20 µs between two turns of
// a spinning loop, fired every 10 ms on average on the idle machine too,
// from pauses of the virtual machine itself, and kept the helpers asleep
// most of the time.) Where the times cannot be read, helpers always spin.
const (
	contendedWindow = 20 * time.Millisecond
	contendedShare  = 0.25
	noSpinFor       = 200 * time.Millisecond
)

// threadTimes are the scheduling times of one thread of the process.
type threadTimes struct {
	tid        int
	run, delay time.Duration // on a core, and runnable waiting for one
}

// pool is the package's set of helper goroutines. Its state is only that
// of the scheduling (which job is on offer, how many helpers exist and
// sleep); it is safe for concurrent Run calls, which share the helpers.
var pool helpers

// helpers is a pool of goroutines that help with the jobs of Run.
type helpers struct {
	// jobs holds the jobs on offer, up to len(jobs) at a time; a Run
	// call that finds no free slot gets no helper from the pool and
	// starts goroutines of its own.
	jobs [4]atomic.Pointer[job]

	// noSpin is the time (UnixNano) before which helpers do not spin.
	noSpin atomic.Int64

	// nextCheck is the time (UnixNano) of the next check; checkMu
	// guards checkAt and prev, the time and the threads' times it
	// compares with, and cur, the buffer of the next measure.
	nextCheck atomic.Int64
	checkMu   sync.Mutex
	checkAt   time.Time
	prev, cur []threadTimes

	mu       sync.Mutex
	started  int           // helpers started, under mu
	sleeping atomic.Int32  // helpers waiting on wake
	wake     chan struct{} // a token wakes one sleeping helper
}

// offer makes j available to k helpers, starting or waking them as
// needed.
func (p *helpers) offer(j *job, k int) {
	slot := -1
	for i := range p.jobs {
		if p.jobs[i].CompareAndSwap(nil, j) {
			slot = i
			break
		}
	}
	if slot < 0 { // every slot taken by other Run calls: plain goroutines
		for range k {
			go func() {
				if j.work() {
					j.last <- struct{}{}
				}
			}()
		}
		return
	}
	p.mu.Lock()
	if p.wake == nil {
		// Buffered, so that a wake sent while a helper is on its way to
		// sleep is kept for it (at worst a helper wakes for nothing).
		p.wake = make(chan struct{}, len(p.jobs))
	}
	for p.started < k {
		p.started++
		go p.loop()
	}
	p.mu.Unlock()
	// Helpers that are spinning take j on their own; wake sleeping ones
	// for the rest, without waiting for them.
	woken := false
	for range min(k, int(p.sleeping.Load())) {
		select {
		case p.wake <- struct{}{}:
			woken = true
		default:
		}
	}
	if woken {
		// The runtime puts a goroutine it wakes in the waker's "run
		// next" slot, from which an idle core takes it only after
		// sleeping out Linux's timer slack, and often not at all until
		// the waker blocks: 1–3 ms (median, BenchmarkWake) while the
		// caller computes. A goroutine started after it takes that slot
		// and pushes the helper to the run queue, from which an idle
		// core takes it at once; it then exits.
		go func() {}()
	}
}

// wait returns when the calls of j that other goroutines took have all
// returned. The caller spins for them (yielding at every turn) for up to
// spinFor, then sleeps until the last one signals: the goroutine that
// finishes the last call is computing it already, usually for less than
// the rest of one piece, and a caller that slept would be woken onto the
// helper's core, from which the runtime moves it to its own idle core only
// after 10–50 µs (measured with the execution tracer in the training step
// of ad/hvp's BenchmarkTwoCores: half of the wake-ups took over 7 µs, a
// quarter over 20 µs), on every product and kernel whose last piece a
// helper computes. While helpers do not spin (see contendedShare),
// neither does the caller.
func (p *helpers) wait(j *job) {
	start := time.Now()
	for j.done.Load() < j.count {
		now := time.Now()
		if now.Sub(start) > spinFor || now.UnixNano() < p.noSpin.Load() || runtime.GOMAXPROCS(0) < 2 {
			<-j.last
			return
		}
		runtime.Gosched()
	}
}

// check measures, at most once per contendedWindow, the run delay of the
// program's busy threads since the previous measure, and stops the
// spinning for noSpinFor if it shows the cores short (see
// contendedShare). A measure that follows a pause in the spinning longer
// than the window starts a new window only: the pause was not spent
// spinning.
func (p *helpers) check(now time.Time) {
	if now.UnixNano() < p.nextCheck.Load() || !p.checkMu.TryLock() {
		return
	}
	defer p.checkMu.Unlock()
	var ok bool
	p.cur, ok = schedTimes(p.cur)
	p.record(now, ok)
}

// record is check's decision on the times p.cur (ok if they could be
// read) measured at now, against p.prev measured at p.checkAt; p.checkMu
// is held.
func (p *helpers) record(now time.Time, ok bool) {
	if !ok {
		p.nextCheck.Store(math.MaxInt64)
		return
	}
	if wall := now.Sub(p.checkAt); wall < 2*contendedWindow {
		var delay time.Duration
		for _, c := range p.cur {
			for _, q := range p.prev {
				if q.tid == c.tid && c.run-q.run >= wall/4 {
					delay += c.delay - q.delay
				}
			}
		}
		if float64(delay) > contendedShare*float64(wall) {
			p.noSpin.Store(now.Add(noSpinFor).UnixNano())
		}
	}
	p.prev, p.cur = p.cur, p.prev
	p.checkAt = now
	p.nextCheck.Store(now.Add(contendedWindow).UnixNano())
}

// withdraw removes j from offer once its calls have all been taken.
func (p *helpers) withdraw(j *job) {
	for i := range p.jobs {
		if p.jobs[i].CompareAndSwap(j, nil) {
			return
		}
	}
}

// find returns a job on offer with calls left, or nil.
func (p *helpers) find() *job {
	for i := range p.jobs {
		if j := p.jobs[i].Load(); j != nil && j.left() {
			return j
		}
	}
	return nil
}

// loop is the life of a helper: work on the jobs on offer, spin for
// spinFor when there is none, then sleep until woken.
func (p *helpers) loop() {
	for {
		idle := time.Now()
		for {
			if j := p.find(); j != nil {
				if j.work() {
					j.last <- struct{}{}
				}
				idle = time.Now()
				continue
			}
			// Spin only while another core may be free: at GOMAXPROCS=1
			// a spinning helper would take the caller's core.
			now := time.Now()
			p.check(now)
			if now.Sub(idle) > spinFor || now.UnixNano() < p.noSpin.Load() || runtime.GOMAXPROCS(0) < 2 {
				break
			}
			runtime.Gosched() // let any other goroutine of the program run
		}
		p.sleeping.Add(1)
		if p.find() == nil { // a job offered while going to sleep is not missed
			<-p.wake
		}
		p.sleeping.Add(-1)
	}
}
