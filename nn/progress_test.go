package nn

import (
	"math"
	"strings"
	"testing"
	"time"
)

// fakeClock advances by step at every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

// runPrinter drives a printer through 2 epochs of 5 batches of 10
// examples, as Fit does, with the clock moving 100 ms per reading.
func runPrinter(tty bool) string {
	var b strings.Builder
	clock := &fakeClock{t: time.Unix(0, 0), step: 100 * time.Millisecond}
	p := newPrinter(&b, tty, clock.now)
	p.interval = 250 * time.Millisecond
	p.start(2, 10, 50)
	for e := 1; e <= 2; e++ {
		for k := 1; k <= 5; k++ {
			p.stepDone(e, k, 5, float64(k), 10)
		}
		p.epochDone(EpochStats{Epoch: e, Epochs: 2, Step: 5 * e, Loss: 3, Validation: math.NaN(), LearningRate: math.NaN(), Elapsed: time.Second})
	}
	return b.String()
}

// TestProgressTerminal: on a terminal the batch line is rewritten in
// place ("\r", blanking what is left of a longer line) and replaced by
// the epoch's line.
func TestProgressTerminal(t *testing.T) {
	out := runPrinter(true)
	lines := strings.Split(out, "\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("output %q: want two lines", out)
	}
	for i, l := range lines[:2] {
		parts := strings.Split(l, "\r")
		if len(parts) < 3 || parts[0] != "" {
			t.Errorf("line %d %q: want updates in place", i+1, l)
			continue
		}
		for _, u := range parts[1 : len(parts)-1] {
			if !strings.HasPrefix(u, "epoch ") || !strings.Contains(u, "/2  batch ") || !strings.Contains(u, "/5") ||
				!strings.Contains(u, "ex/s") || !strings.Contains(strings.TrimRight(u, " "), " left") {
				t.Errorf("update %q lacks the batch, throughput or time left", u)
			}
		}
		last := strings.TrimRight(parts[len(parts)-1], " ")
		if !strings.HasPrefix(last, "epoch ") || !strings.Contains(last, "loss 3") || !strings.Contains(last, "50 ex/s") {
			t.Errorf("epoch line %q", last)
		}
		if (i == 0) != strings.HasSuffix(last, " left") {
			t.Errorf("epoch line %q: time left only while epochs remain", last)
		}
	}
	t.Logf("%q", out)
}

// TestProgressPlain: elsewhere every report is a line of its own.
func TestProgressPlain(t *testing.T) {
	out := runPrinter(false)
	if strings.Contains(out, "\r") {
		t.Errorf("plain output holds a carriage return: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var batch, epoch int
	for _, l := range lines {
		switch {
		case strings.Contains(l, "batch "):
			batch++
		case strings.HasPrefix(l, "epoch "):
			epoch++
		}
	}
	if epoch != 2 || batch == 0 {
		t.Errorf("%d epoch lines and %d batch lines in %q", epoch, batch, out)
	}
	t.Logf("%q", out)
}
