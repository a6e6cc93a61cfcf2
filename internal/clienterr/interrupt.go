package clienterr

import (
	"context"
	"errors"
	"fmt"
)

// InterruptedError: Terraform was interrupted (the first Ctrl-C cancels every
// call in flight) before a mutating step was sent, so the step was not
// started. Steps the server had already accepted are finished, not abandoned
// (see Detach).
type InterruptedError struct {
	Info
	Step string // the step that was not started, e.g. "the start request"
}

func (e *InterruptedError) Error() string {
	if e.Step == "" {
		return "interrupted: " + e.Message
	}
	s := "interrupted before " + e.Step
	if e.Object != "" {
		s += " of " + e.Object
	}
	return s + " was sent"
}

// Interrupted reports whether ctx ended because it was cancelled (Terraform's
// first Ctrl-C), as opposed to reaching its deadline (the resource timeout).
func Interrupted(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// BeforeMutation is the check every client makes before it sends a request
// that changes something: after an interrupt no new step is started.
func BeforeMutation(ctx context.Context, step, object string) error {
	if !Interrupted(ctx) {
		return nil
	}
	return &InterruptedError{Info: Info{Object: object, Err: ctx.Err()}, Step: step}
}

// Detach returns a context for finishing a step the server has accepted: it
// keeps ctx's values and its deadline (the resource's timeout) but not its
// cancellation. Terraform's first Ctrl-C cancels ctx and then saves whatever
// the call returns, so a create that the server is carrying out must be
// waited for and read back, or the object would exist on the host and not in
// state.
func Detach(ctx context.Context) (context.Context, context.CancelFunc) {
	detached := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(detached, deadline)
	}
	return context.WithCancel(detached)
}

// FromContext is the typed error for a wait that ctx ended: an
// InterruptedError when Terraform was interrupted, else a TimeoutError.
func FromContext(ctx context.Context, what, last string) error {
	if Interrupted(ctx) {
		return &InterruptedError{Info: Info{Err: ctx.Err(), Message: fmt.Sprintf("stopped waiting for %s", what)}}
	}
	return &TimeoutError{
		Info:       Info{Err: ctx.Err()},
		WaitingFor: what,
		Timeout:    TimeoutOf(ctx),
		LastState:  last,
	}
}
