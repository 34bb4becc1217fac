package nn

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// progressPrinter writes the default progress report of Fit: a line per
// epoch and, within an epoch, the batch, running loss, throughput and time
// remaining, rewritten in place ("\r") on a terminal and written as a
// plain line every plainInterval otherwise.
type progressPrinter struct {
	w        io.Writer
	tty      bool
	now      func() time.Time
	interval time.Duration // between updates within an epoch

	begin, last time.Time // start of the Fit call; last update
	total, done int       // steps in the call; taken
	examples    int       // examples seen in the call
	perEpoch    int       // examples per epoch
	lastEpoch   int       // the epoch at which the call ends
	sum         float64   // loss·rows of the epoch so far
	rows        int
	width       int // length of the line shown in place, 0 if none
}

// The intervals between progress updates within an epoch.
const (
	ttyInterval   = 200 * time.Millisecond
	plainInterval = 10 * time.Second
)

// newProgressPrinter returns the printer writing to w (os.Stdout when w
// is nil), in place when w is a terminal: an *os.File whose mode is a
// character device.
func newProgressPrinter(w io.Writer) *progressPrinter {
	w = defaultOutput(w)
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return newPrinter(w, tty, time.Now)
}

func newPrinter(w io.Writer, tty bool, now func() time.Time) *progressPrinter {
	p := &progressPrinter{w: w, tty: tty, now: now, interval: plainInterval}
	if tty {
		p.interval = ttyInterval
	}
	return p
}

// start begins a Fit call that ends at epoch last, of total steps and
// perEpoch examples per epoch.
func (p *progressPrinter) start(last, total, perEpoch int) {
	p.lastEpoch = last
	p.begin = p.now()
	p.last = p.begin
	p.total, p.perEpoch = total, perEpoch
}

// stepDone records a step of the batch-th of batches batches of epoch,
// with loss l on rows examples, and updates the report when it is due.
func (p *progressPrinter) stepDone(epoch, batch, batches int, l float64, rows int) {
	p.done++
	p.examples += rows
	p.sum += l * float64(rows)
	p.rows += rows
	t := p.now()
	if t.Sub(p.last) < p.interval || batch == batches {
		return
	}
	p.last = t
	el := t.Sub(p.begin)
	line := fmt.Sprintf("epoch %d/%d  batch %d/%d  loss %.4g  %s  %s left",
		epoch, p.lastEpoch, batch, batches, p.sum/float64(p.rows), rate(p.examples, el),
		formatDuration(time.Duration(float64(el)/float64(p.done)*float64(p.total-p.done))))
	if p.tty {
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", max(p.width-len(line), 0)))
		p.width = len(line)
		return
	}
	fmt.Fprintln(p.w, line)
}

// epochDone writes the line of a finished epoch (replacing the line shown
// in place, if any). It is Fit's Progress when none is set.
func (p *progressPrinter) epochDone(st EpochStats) error {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %d/%d  step %d  loss %.6g", st.Epoch, st.Epochs, st.Step, st.Loss)
	if !math.IsNaN(st.Validation) {
		fmt.Fprintf(&b, "  validation %.6g", st.Validation)
	}
	if !math.IsNaN(st.LearningRate) {
		fmt.Fprintf(&b, "  lr %.3g", st.LearningRate)
	}
	if !math.IsNaN(st.Sharpness) {
		fmt.Fprintf(&b, "  λ_max %.4g (bound %.4g)", st.Sharpness, st.SharpnessBound)
	}
	fmt.Fprintf(&b, "  %s  %s", rate(p.perEpoch, st.Elapsed), formatDuration(st.Elapsed))
	if st.Epoch < st.Epochs && p.done > 0 {
		el := p.now().Sub(p.begin)
		fmt.Fprintf(&b, "  %s left", formatDuration(time.Duration(float64(el)/float64(p.done)*float64(p.total-p.done))))
	}
	line := b.String()
	if p.tty && p.width > 0 {
		fmt.Fprintf(p.w, "\r%s%s\n", line, strings.Repeat(" ", max(p.width-len(line), 0)))
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.width, p.sum, p.rows = 0, 0, 0
	p.last = p.now()
	return nil
}

// rate formats n examples in d as a throughput.
func rate(n int, d time.Duration) string {
	if d <= 0 {
		return "- ex/s"
	}
	return fmt.Sprintf("%.0f ex/s", float64(n)/d.Seconds())
}

// formatDuration writes d to a tenth of a second below a minute and to the
// second above.
func formatDuration(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}
