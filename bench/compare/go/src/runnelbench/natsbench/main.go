// natsbench: the NATS JetStream client of bench/compare/nats.sh (nats.go).
// produce: PublishAsync with at most -pending acks outstanding; consume: a pull
// consumer fetching -batch messages a request (ack none); latency: a paced
// PublishAsync producer and an ordered push consumer in one process.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"runnelbench/kit"
)

func main() {
	var o kit.Options
	o.Register()
	url := flag.String("url", "nats://127.0.0.1:4222", "server URL")
	stream := flag.String("stream", "BENCH", "stream name (its subject is the lower-case name)")
	pending := flag.Int("pending", 4000, "produce: PublishAsync acks outstanding at most (4000: nats.go's default)")
	consumer := flag.String("consumer", "pull", "consume: pull (Fetch of -batch, ack none) or ordered (push, flow control)")
	batch := flag.Int("batch", 1000, "consume: messages per pull request")
	flag.Parse()
	o.Check()

	nc, err := nats.Connect(*url, nats.MaxReconnects(0))
	if err != nil {
		kit.Fail("connecting to %s: %v", *url, err)
	}
	defer nc.Close()
	var pubErrors int64
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(*pending),
		nats.PublishAsyncErrHandler(func(_ nats.JetStream, _ *nats.Msg, err error) {
			atomic.AddInt64(&pubErrors, 1)
		}))
	if err != nil {
		kit.Fail("JetStream context: %v", err)
	}
	subject := "bench." + *stream
	if o.Mode != "consume" {
		_, err = js.AddStream(&nats.StreamConfig{Name: *stream, Subjects: []string{subject},
			Storage: nats.FileStorage, Replicas: 1})
		if err != nil {
			kit.Fail("creating stream %s: %v", *stream, err)
		}
	}
	// drain waits until every PublishAsync has its ack, and fails on an error ack.
	drain := func() error {
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(o.Idle):
			return fmt.Errorf("%d publish acks still missing after %v", js.PublishAsyncPending(), o.Idle)
		}
		if n := atomic.LoadInt64(&pubErrors); n > 0 {
			return fmt.Errorf("%d publishes failed", n)
		}
		return nil
	}
	switch o.Mode {
	case "produce":
		value := kit.Payload(o.Size)
		start := time.Now()
		for i := 0; i < o.Count; i++ {
			if _, err := js.PublishAsync(subject, value); err != nil {
				kit.Fail("publishing record %d: %v", i, err)
			}
		}
		if err := drain(); err != nil {
			kit.Fail("%v", err)
		}
		kit.Print(kit.Throughput(o.Count, o.Size, time.Since(start)))

	case "consume":
		start := time.Now()
		var got, bytes int
		if *consumer == "ordered" {
			got, bytes = consumeOrdered(js, subject, &o)
		} else {
			got, bytes = consumePull(js, subject, *stream, *batch, &o)
		}
		kit.Consumed(&o, got, bytes, time.Since(start))

	case "latency":
		t := kit.NewTracker(o.LatencyCount())
		_, err := js.Subscribe(subject, func(m *nats.Msg) { t.Receive(m.Data) },
			nats.OrderedConsumer(), nats.DeliverNew())
		if err != nil {
			kit.Fail("ordered consumer on %s: %v", *stream, err)
		}
		send := func(value []byte) error {
			_, err := js.PublishAsync(subject, value)
			return err
		}
		kit.Latency(&o, t, send, drain)
	}
}

// consumePull reads o.Count records through a pull consumer, batch a request.
func consumePull(js nats.JetStreamContext, subject, stream string, batch int, o *kit.Options) (got, bytes int) {
	sub, err := js.PullSubscribe(subject, fmt.Sprintf("consume-%d", os.Getpid()), nats.BindStream(stream),
		nats.AckNone(), nats.DeliverAll())
	if err != nil {
		kit.Fail("pull consumer on %s: %v", stream, err)
	}
	defer sub.Unsubscribe()
	for got < o.Count {
		want := batch
		if o.Count-got < want {
			want = o.Count - got
		}
		msgs, err := sub.Fetch(want, nats.MaxWait(o.Idle))
		if err != nil {
			kit.Fail("fetch after %d of %d records: %v", got, o.Count, err)
		}
		for _, m := range msgs {
			bytes += len(m.Data)
		}
		got += len(msgs)
	}
	return got, bytes
}

// consumeOrdered reads o.Count records through an ordered push consumer.
func consumeOrdered(js nats.JetStreamContext, subject string, o *kit.Options) (got, bytes int) {
	var n, b int64
	done := make(chan struct{})
	sub, err := js.Subscribe(subject, func(m *nats.Msg) {
		atomic.AddInt64(&b, int64(len(m.Data)))
		if atomic.AddInt64(&n, 1) == int64(o.Count) {
			close(done)
		}
	}, nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		kit.Fail("ordered consumer on %s: %v", subject, err)
	}
	defer sub.Unsubscribe()
	last := int64(-1)
	for {
		select {
		case <-done:
			return int(atomic.LoadInt64(&n)), int(atomic.LoadInt64(&b))
		case <-time.After(o.Idle):
			if now := atomic.LoadInt64(&n); now != last {
				last = now
				continue
			}
			kit.Fail("nothing arrived for %v after %d of %d records", o.Idle, last, o.Count)
		}
	}
}
