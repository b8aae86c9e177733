// Package bench holds what the Go benchmark programs share: the command line of
// bench/README.md, the one-line JSON result, latency statistics and failing loudly.
package bench

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Chunk is how many messages the crossing op produces between two untimed flushes.
const Chunk = 10000

// SyncWarmup is the number of untimed sends before the sync op's timed ones.
const SyncWarmup = 100

// FirstMessageTimeout bounds the wait for the first consumed message (group join
// included); IdleTimeout bounds the wait for each later one. A topic holding fewer
// than --messages then fails the run instead of hanging it.
const (
	FirstMessageTimeout = 60 * time.Second
	IdleTimeout         = 30 * time.Second
)

// Args is the common command line:
// PROGRAM OP --brokers=HOST:PORT --topic=NAME --messages=N --size=BYTES --mode=single|batch [--batch=1000]
type Args struct {
	Op       string
	Brokers  string
	Topic    string
	Messages int
	Size     int
	Mode     string
	Batch    int
}

// IsBatch reports whether --mode=batch was asked for.
func (a Args) IsBatch() bool { return a.Mode == "batch" }

// Parse reads the command line of impl or exits with a usage message.
func Parse(impl string, argv []string) Args {
	usage := fmt.Sprintf("usage: %s produce|consume|crossing|sync --brokers=HOST:PORT --topic=NAME "+
		"--messages=N --size=BYTES --mode=single|batch [--batch=1000]", filepath.Base(os.Args[0]))
	if len(argv) == 0 || strings.HasPrefix(argv[0], "-") {
		Fail(impl, "%s", usage)
	}
	a := Args{Op: argv[0]}
	fs := flag.NewFlagSet(impl, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.Brokers, "brokers", "", "bootstrap servers")
	fs.StringVar(&a.Topic, "topic", "", "topic")
	fs.IntVar(&a.Messages, "messages", 0, "number of messages")
	fs.IntVar(&a.Size, "size", -1, "value size in bytes")
	fs.StringVar(&a.Mode, "mode", "single", "single or batch")
	fs.IntVar(&a.Batch, "batch", 1000, "messages per batch call")
	if err := fs.Parse(argv[1:]); err != nil {
		Fail(impl, "%v\n%s", err, usage)
	}
	switch {
	case fs.NArg() > 0:
		Fail(impl, "unexpected argument %q\n%s", fs.Arg(0), usage)
	case a.Op != "produce" && a.Op != "consume" && a.Op != "crossing" && a.Op != "sync":
		Fail(impl, "unknown op %q\n%s", a.Op, usage)
	case a.Mode != "single" && a.Mode != "batch":
		Fail(impl, "--mode must be single or batch, not %q", a.Mode)
	case a.Messages <= 0:
		Fail(impl, "--messages must be positive")
	case a.Size < 0:
		Fail(impl, "--size must be given (bytes, 0 or more)")
	case a.Batch <= 0:
		Fail(impl, "--batch must be positive")
	case a.Op != "crossing" && a.Brokers == "":
		Fail(impl, "--brokers is required for %s", a.Op)
	case a.Op != "crossing" && a.Topic == "":
		Fail(impl, "--topic is required for %s", a.Op)
	}
	if a.Topic == "" {
		a.Topic = "bench-crossing" // the mock cluster creates it on first use
	}
	return a
}

// Value returns the payload: size bytes, never nil (a nil value would be a tombstone).
func Value(size int) []byte {
	v := make([]byte, size)
	for i := range v {
		v[i] = 'a' + byte(i%26)
	}
	return v
}

// GroupID is a fresh consumer group name: bench-IMPL-PID-TIME.
func GroupID(impl string) string {
	return fmt.Sprintf("bench-%s-%d-%d", impl, os.Getpid(), time.Now().UnixNano())
}

// Fail prints the message on stderr and exits non-zero.
func Fail(impl, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s: %s\n", impl, fmt.Sprintf(format, args...))
	os.Exit(1)
}

// Warn prints a diagnostic on stderr and carries on.
func Warn(impl, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s: warning: %s\n", impl, fmt.Sprintf(format, args...))
}

// Result is the one JSON line a program prints. Optional keys are left out when zero.
type Result struct {
	Impl       string  `json:"impl"`
	Op         string  `json:"op"`
	Mode       string  `json:"mode"`
	Size       int     `json:"size"`
	Messages   int     `json:"messages"`
	Seconds    float64 `json:"seconds"`
	Rate       float64 `json:"rate"`
	NsPerMsg   float64 `json:"ns_per_msg,omitempty"`
	P50us      float64 `json:"p50_us,omitempty"`
	P99us      float64 `json:"p99_us,omitempty"`
	MeanUs     float64 `json:"mean_us,omitempty"`
	Batch      int     `json:"batch,omitempty"`
	Client     string  `json:"client,omitempty"`
	Librdkafka string  `json:"librdkafka,omitempty"`
}

// NewResult fills the common keys; elapsed is the timed part of the run.
func NewResult(impl string, a Args, elapsed time.Duration) Result {
	s := elapsed.Seconds()
	if s <= 0 {
		Fail(impl, "measured no time (%v) for %d messages", elapsed, a.Messages)
	}
	r := Result{Impl: impl, Op: a.Op, Mode: a.Mode, Size: a.Size, Messages: a.Messages,
		Seconds: s, Rate: float64(a.Messages) / s}
	if a.IsBatch() {
		r.Batch = a.Batch
	}
	if a.Op == "crossing" {
		r.NsPerMsg = float64(elapsed.Nanoseconds()) / float64(a.Messages)
	}
	return r
}

// SetLatencies adds the sync op's p50, p99 and mean (microseconds).
func (r *Result) SetLatencies(lat []time.Duration) {
	s := slices.Clone(lat)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	r.P50us = us(percentile(s, 50))
	r.P99us = us(percentile(s, 99))
	r.MeanUs = us(sum) / float64(len(s))
}

// percentile is the nearest-rank percentile of sorted (non-empty) samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Print writes the result as one JSON line on stdout.
func (r Result) Print() {
	b, err := json.Marshal(r)
	if err != nil {
		Fail(r.Impl, "encoding the result: %v", err)
	}
	if _, err := fmt.Printf("%s\n", b); err != nil {
		Fail(r.Impl, "writing the result: %v", err)
	}
}

// ValueSum checks the consumed byte count against N * --size.
func ValueSum(impl string, a Args, sum int64) {
	if want := int64(a.Messages) * int64(a.Size); sum != want {
		Fail(impl, "consumed %d messages with %d value bytes in total, expected %d (%d x %d)",
			a.Messages, sum, want, a.Messages, a.Size)
	}
}

// Idle fails a consume run when no message came for too long. Check is called
// on empty polls only, so the clock is not read on the timed path.
type Idle struct {
	impl  string
	seen  int
	since time.Time
}

// NewIdle starts watching now (the first message may take FirstMessageTimeout).
func NewIdle(impl string) *Idle { return &Idle{impl: impl, since: time.Now()} }

// Check is called after a poll that returned nothing, with the count so far.
func (w *Idle) Check(got int) {
	if got != w.seen {
		w.seen, w.since = got, time.Now()
		return
	}
	limit := IdleTimeout
	if got == 0 {
		limit = FirstMessageTimeout
	}
	if time.Since(w.since) > limit {
		Fail(w.impl, "no message for %v after %d messages", limit, got)
	}
}
