// Package kit is what the Go comparison clients (natsbench, amqpbench) share:
// their command line, payloads, the latency schedule and tracker, and the JSON
// result line they print for bench/compare/<system>.sh to complete.
package kit

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Options common to every client. Mode is produce, consume or latency.
type Options struct {
	Mode     string
	Count    int
	Size     int
	Rate     float64
	Duration time.Duration
	Grace    time.Duration
	Idle     time.Duration
}

// Register adds the common flags to the default flag set.
func (o *Options) Register() {
	flag.StringVar(&o.Mode, "mode", "", "produce | consume | latency")
	flag.IntVar(&o.Count, "count", 1000000, "records to produce or consume")
	flag.IntVar(&o.Size, "size", 100, "record value bytes")
	flag.Float64Var(&o.Rate, "rate", 10000, "latency: records per second")
	seconds(&o.Duration, "duration", 10, "latency: seconds to send for")
	seconds(&o.Grace, "grace", 5, "latency: seconds to wait after the last send before a record counts as lost")
	seconds(&o.Idle, "idle", 30, "give up when nothing arrives for this many seconds")
}

// seconds defines a flag given in (fractional) seconds, as stream.js takes them.
func seconds(d *time.Duration, name string, value float64, usage string) {
	*d = time.Duration(value * 1e9)
	flag.Func(name, fmt.Sprintf("%s (default %g)", usage, value), func(s string) error {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			return fmt.Errorf("not a positive number of seconds: %q", s)
		}
		*d = time.Duration(v * 1e9)
		return nil
	})
}

// Check validates the common flags after flag.Parse.
func (o *Options) Check() {
	if o.Mode != "produce" && o.Mode != "consume" && o.Mode != "latency" {
		Fail("-mode must be produce, consume or latency, not %q", o.Mode)
	}
	if o.Count <= 0 || o.Size < 8 || o.Rate <= 0 || o.Duration <= 0 {
		Fail("-count must be > 0, -size >= 8, -rate and -duration > 0")
	}
}

// LatencyCount is how many records the latency mode sends.
func (o *Options) LatencyCount() int {
	return int(math.Round(o.Rate * o.Duration.Seconds()))
}

// Fail prints a message on stderr and exits 2.
func Fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, os.Args[0]+": "+format+"\n", args...)
	os.Exit(2)
}

// Payload returns a record value of size bytes (not all zeros).
func Payload(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// Result is the client's JSON line, in the shape `runnel-bench --json` prints, which
// bench_workload (bench/compare/common.sh) turns into a result line.
type Result struct {
	Records     int      `json:"records"`
	Bytes       int64    `json:"bytes"`
	Seconds     float64  `json:"seconds"`
	RecordsPerS float64  `json:"records_per_s"`
	MBPerS      float64  `json:"mb_per_s"`
	LatencyMs   *Summary `json:"latency_ms,omitempty"`
	Rate        float64  `json:"rate,omitempty"`
	Sent        *int     `json:"sent,omitempty"`
	Lost        *int     `json:"lost,omitempty"`
	Duplicates  *int     `json:"duplicates,omitempty"`
}

// Summary is the latency distribution in milliseconds.
type Summary struct {
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99_9"`
	P9999 float64 `json:"p99_99"`
	Max   float64 `json:"max"`
}

// Throughput is the result of moving records of size bytes in elapsed.
func Throughput(records, size int, elapsed time.Duration) Result {
	s := elapsed.Seconds()
	bytes := int64(records) * int64(size)
	return Result{
		Records:     records,
		Bytes:       bytes,
		Seconds:     round(s, 3),
		RecordsPerS: round(float64(records)/s, 0),
		MBPerS:      round(float64(bytes)/(1<<20)/s, 2),
	}
}

// Consumed prints the result of a consume run that took elapsed to read got records
// holding bytes of values, or fails when that is not the o.Count × o.Size expected.
func Consumed(o *Options, got, bytes int, elapsed time.Duration) {
	if got != o.Count || bytes != o.Count*o.Size {
		Fail("consumed %d records with %d bytes of values, expected %d with %d", got, bytes, o.Count, o.Count*o.Size)
	}
	Print(Throughput(got, o.Size, elapsed))
}

// Print writes r as one JSON line on stdout.
func Print(r Result) {
	line, err := json.Marshal(r)
	if err != nil {
		Fail("encoding the result: %v", err)
	}
	fmt.Println(string(line))
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// Schedule is a fixed-rate send schedule: record i is due at Start + i/rate,
// on the monotonic clock that time.Time carries.
type Schedule struct {
	Start  time.Time
	period float64 // nanoseconds
}

// NewSchedule starts a schedule now.
func NewSchedule(rate float64) *Schedule {
	return &Schedule{Start: time.Now(), period: 1e9 / rate}
}

// Due is record i's scheduled send time.
func (s *Schedule) Due(i int) time.Time {
	return s.Start.Add(time.Duration(float64(i) * s.period))
}

// Wait sleeps until record i is due (at once if it is late).
func (s *Schedule) Wait(i int) {
	if d := time.Until(s.Due(i)); d > 0 {
		time.Sleep(d)
	}
}

// Stamp writes record i's index into the first 8 bytes of a latency record.
func Stamp(value []byte, i int) {
	binary.BigEndian.PutUint64(value, uint64(i))
}

// WarmUp is the index of the record sent (and awaited) before the schedule starts.
const WarmUp = math.MaxUint32

// Tracker records, for each record of a latency run received, its receipt time
// minus its scheduled send time (corrected for coordinated omission).
type Tracker struct {
	mu       sync.Mutex
	sched    *Schedule
	seen     []bool
	samples  []time.Duration
	dups     int
	last     time.Time
	warm     chan struct{}
	warmOnce sync.Once
	done     chan struct{}
}

// NewTracker expects records 0..n-1 (plus the warm-up record).
func NewTracker(n int) *Tracker {
	return &Tracker{seen: make([]bool, n), samples: make([]time.Duration, 0, n),
		warm: make(chan struct{}), done: make(chan struct{})}
}

// Begin starts the schedule; call it after the warm-up record arrived.
func (t *Tracker) Begin(rate float64) *Schedule {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sched = NewSchedule(rate)
	return t.sched
}

// Receive takes one record's value; safe from any goroutine.
func (t *Tracker) Receive(value []byte) {
	now := time.Now()
	if len(value) < 8 {
		return
	}
	i := binary.BigEndian.Uint64(value)
	if i == WarmUp {
		t.warmOnce.Do(func() { close(t.warm) })
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sched == nil || i >= uint64(len(t.seen)) {
		return
	}
	if t.seen[i] {
		t.dups++
		return
	}
	t.seen[i] = true
	t.samples = append(t.samples, now.Sub(t.sched.Due(int(i))))
	t.last = now
	if len(t.samples) == len(t.seen) {
		close(t.done)
	}
}

// warmedUp waits up to limit for the warm-up record.
func (t *Tracker) warmedUp(limit time.Duration) bool {
	select {
	case <-t.warm:
		return true
	case <-time.After(limit):
		return false
	}
}

// Finish waits until every record arrived or grace passed, and returns the result.
func (t *Tracker) Finish(grace time.Duration, size int, rate float64) Result {
	select {
	case <-t.done:
	case <-time.After(grace):
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	samples := append([]time.Duration(nil), t.samples...)
	sort.Slice(samples, func(a, b int) bool { return samples[a] < samples[b] })
	end := t.last
	if end.IsZero() {
		end = time.Now()
	}
	r := Throughput(len(samples), size, end.Sub(t.sched.Start))
	sent, lost, dups := len(t.seen), len(t.seen)-len(samples), t.dups
	r.Rate, r.Sent, r.Lost, r.Duplicates = rate, &sent, &lost, &dups
	if len(samples) > 0 {
		pct := func(p float64) float64 { // nearest rank
			rank := int(math.Ceil(p / 100 * float64(len(samples))))
			if rank < 1 {
				rank = 1
			}
			return round(float64(samples[rank-1])/1e6, 3)
		}
		r.LatencyMs = &Summary{pct(50), pct(99), pct(99.9), pct(99.99), pct(100)}
	}
	return r
}

// Exit ends a latency run: status 1 when a record was lost.
func Exit(r Result) {
	Print(r)
	if r.Lost != nil && *r.Lost > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d records lost\n", os.Args[0], *r.Lost)
		os.Exit(1)
	}
}

// Latency runs a latency workload: t must already receive what send publishes.
// It sends the warm-up record and waits for it, then o.LatencyCount() records on
// the schedule; drain waits until the client has handed everything to the server.
func Latency(o *Options, t *Tracker, send func(value []byte) error, drain func() error) {
	// The warm-up record again each second until one arrives (a consumer that starts at the
	// end of the log may attach just after the first one was written).
	warm := Payload(o.Size)
	binary.BigEndian.PutUint64(warm, WarmUp)
	for try := 1; ; try++ {
		if err := send(warm); err != nil {
			Fail("sending the warm-up record: %v", err)
		}
		if t.warmedUp(time.Second) {
			break
		}
		if try == 10 {
			Fail("no warm-up record arrived in 10 s")
		}
	}
	sched := t.Begin(o.Rate)
	for i := 0; i < len(t.seen); i++ {
		sched.Wait(i)
		value := Payload(o.Size)
		Stamp(value, i)
		if err := send(value); err != nil {
			Fail("sending record %d: %v", i, err)
		}
	}
	if err := drain(); err != nil {
		Fail("waiting for the last sends: %v", err)
	}
	Exit(t.Finish(o.Grace, o.Size, o.Rate))
}
