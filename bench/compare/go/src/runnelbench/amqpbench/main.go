// amqpbench: the AMQP 0-9-1 client of bench/compare/rabbitmq.sh (amqp091-go), for a
// durable classic or quorum queue. produce: persistent messages on a channel in
// confirm mode with at most -window confirms outstanding; consume: basic.consume
// with prefetch -prefetch, one multiple ack every -ack-every deliveries; latency:
// the same producer paced, and a consumer on its own connection, in one process.
package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"runnelbench/kit"
)

// publisher publishes persistent messages with publisher confirms, at most window unconfirmed.
type publisher struct {
	ch          *amqp.Channel
	queue       string
	window      int
	outstanding int
	confirms    chan amqp.Confirmation
	idle        time.Duration
}

func newPublisher(conn *amqp.Connection, queue string, window int, idle time.Duration) *publisher {
	ch, err := conn.Channel()
	if err != nil {
		kit.Fail("opening the publishing channel: %v", err)
	}
	if err := ch.Confirm(false); err != nil {
		kit.Fail("confirm.select: %v", err)
	}
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, window+1))
	return &publisher{ch: ch, queue: queue, window: window, confirms: confirms, idle: idle}
}

// awaitConfirm takes one confirmation; a nack is an error.
func (p *publisher) awaitConfirm() error {
	select {
	case c, ok := <-p.confirms:
		if !ok {
			return fmt.Errorf("the channel closed with %d confirms outstanding", p.outstanding)
		}
		p.outstanding--
		if !c.Ack {
			return fmt.Errorf("message %d was nacked", c.DeliveryTag)
		}
		return nil
	case <-time.After(p.idle):
		return fmt.Errorf("no confirm for %v (%d outstanding)", p.idle, p.outstanding)
	}
}

func (p *publisher) send(value []byte) error {
	for p.outstanding >= p.window {
		if err := p.awaitConfirm(); err != nil {
			return err
		}
	}
	err := p.ch.PublishWithContext(context.Background(), "", p.queue, false, false,
		amqp.Publishing{DeliveryMode: amqp.Persistent, Body: value})
	if err == nil {
		p.outstanding++
	}
	return err
}

// drain waits for every outstanding confirm.
func (p *publisher) drain() error {
	for p.outstanding > 0 {
		if err := p.awaitConfirm(); err != nil {
			return err
		}
	}
	return nil
}

// consumer starts basic.consume on its own channel of conn.
func consumer(conn *amqp.Connection, queue string, prefetch int) <-chan amqp.Delivery {
	ch, err := conn.Channel()
	if err != nil {
		kit.Fail("opening the consuming channel: %v", err)
	}
	if err := ch.Qos(prefetch, 0, false); err != nil {
		kit.Fail("basic.qos: %v", err)
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		kit.Fail("basic.consume on %s: %v", queue, err)
	}
	return deliveries
}

func dial(url string) *amqp.Connection {
	conn, err := amqp.Dial(url)
	if err != nil {
		kit.Fail("connecting to %s: %v", url, err)
	}
	return conn
}

func main() {
	var o kit.Options
	o.Register()
	url := flag.String("url", "amqp://guest:guest@127.0.0.1:5672/", "server URL")
	queue := flag.String("queue", "bench", "queue name")
	queueType := flag.String("queue-type", "classic", "classic or quorum (declared durable)")
	window := flag.Int("window", 1000, "produce: confirms outstanding at most")
	prefetch := flag.Int("prefetch", 1000, "consume: basic.qos prefetch count")
	ackEvery := flag.Int("ack-every", 100, "consume: one multiple ack every this many deliveries")
	flag.Parse()
	o.Check()

	conn := dial(*url)
	defer conn.Close()
	if o.Mode != "consume" {
		ch, err := conn.Channel()
		if err != nil {
			kit.Fail("opening a channel: %v", err)
		}
		if _, err := ch.QueueDeclare(*queue, true, false, false, false,
			amqp.Table{"x-queue-type": *queueType}); err != nil {
			kit.Fail("declaring the %s queue %s: %v", *queueType, *queue, err)
		}
		ch.Close()
	}

	switch o.Mode {
	case "produce":
		p := newPublisher(conn, *queue, *window, o.Idle)
		value := kit.Payload(o.Size)
		start := time.Now()
		for i := 0; i < o.Count; i++ {
			if err := p.send(value); err != nil {
				kit.Fail("publishing record %d: %v", i, err)
			}
		}
		if err := p.drain(); err != nil {
			kit.Fail("%v", err)
		}
		kit.Print(kit.Throughput(o.Count, o.Size, time.Since(start)))

	case "consume":
		deliveries := consumer(conn, *queue, *prefetch)
		start := time.Now()
		got, bytes := 0, 0
		for got < o.Count {
			select {
			case d, ok := <-deliveries:
				if !ok {
					kit.Fail("the consumer closed after %d of %d records", got, o.Count)
				}
				got++
				bytes += len(d.Body)
				if got%*ackEvery == 0 || got == o.Count {
					if err := d.Ack(true); err != nil {
						kit.Fail("ack: %v", err)
					}
				}
			case <-time.After(o.Idle):
				kit.Fail("nothing arrived for %v after %d of %d records", o.Idle, got, o.Count)
			}
		}
		kit.Consumed(&o, got, bytes, time.Since(start))

	case "latency":
		t := kit.NewTracker(o.LatencyCount())
		deliveries := consumer(dial(*url), *queue, *prefetch)
		go func() {
			n := 0
			for d := range deliveries {
				t.Receive(d.Body)
				if n++; n%*ackEvery == 0 {
					d.Ack(true)
				}
			}
		}()
		p := newPublisher(conn, *queue, *window, o.Idle)
		kit.Latency(&o, t, p.send, p.drain)
	}
}
