package messages

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// However many goroutines race to answer a call, exactly one reply is
// delivered, and it carries the call's request.
func TestCallFinishesOnce(t *testing.T) {
	for round := 0; round < 100; round++ {
		req := &Get{Key: "k"}
		ch := make(ChanReplier, 8)
		call := NewCall(req, time.Now().Add(time.Second), ch)
		var wins sync.WaitGroup
		won := make(chan bool, 8)
		for i := 0; i < 8; i++ {
			wins.Add(1)
			go func() {
				defer wins.Done()
				won <- call.Finish(&Reply{Int: int64(i)})
			}()
		}
		wins.Wait()
		close(won)
		n := 0
		for w := range won {
			if w {
				n++
			}
		}
		if n != 1 || len(ch) != 1 {
			t.Fatalf("round %d: %d winners, %d replies; want 1 and 1", round, n, len(ch))
		}
		if r := <-ch; r.Request != Request(req) {
			t.Fatalf("reply carries %v, want the call's request", r.Request)
		}
	}
}

// An armed call answers itself with ErrTimeout at its deadline, and a
// worker that answers first stops the timer from answering again.
func TestArmTimer(t *testing.T) {
	ch := make(ChanReplier, 2)
	call := NewCall(&Get{Key: "k"}, time.Now().Add(10*time.Millisecond), ch)
	call.ArmTimer()
	select {
	case r := <-ch:
		if !errors.Is(r.Err, ErrTimeout) {
			t.Fatalf("timer answered %v, want ErrTimeout", r.Err)
		}
	case <-time.After(time.Second):
		t.Fatal("armed call not answered at its deadline")
	}

	early := NewCall(&Get{Key: "k"}, time.Now().Add(10*time.Millisecond), ch)
	early.ArmTimer()
	early.Finish(&Reply{})
	if !early.Answered() || early.Finish(&Reply{}) {
		t.Fatal("a finished call must refuse a second answer")
	}
	<-ch
	select {
	case r := <-ch:
		t.Fatalf("second reply after finish: %+v", r)
	case <-time.After(30 * time.Millisecond):
	}
}

// Timeouts match both herd's sentinel and context.DeadlineExceeded.
func TestTimeoutMatchesDeadlineExceeded(t *testing.T) {
	err := errors.Join(errors.New("node x"), ErrTimeout)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, contextDeadline) {
		t.Fatal("ErrTimeout must match itself and context.DeadlineExceeded")
	}
}

func TestExpired(t *testing.T) {
	now := time.Now()
	cases := []struct {
		deadline time.Time
		want     bool
	}{
		{time.Time{}, false},
		{now.Add(time.Second), false},
		{now, true},
		{now.Add(-time.Second), true},
	}
	for _, c := range cases {
		if got := (&Call{Deadline: c.deadline}).Expired(now); got != c.want {
			t.Errorf("deadline %v: expired %v, want %v", c.deadline, got, c.want)
		}
	}
}

var contextDeadline = context.DeadlineExceeded
