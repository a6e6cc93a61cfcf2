package incus

import (
	"context"
	"fmt"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// The two helpers every family file goes through: call (a read, or any
// request whose error only needs typing) and mutate (a synchronous change)
// here, and operate (a change that runs as a background operation) below.

// call runs a request of the official client within ctx and types its error
// for object. what says what the request does ("reading").
func call[T any](ctx context.Context, what, object, address string, fn func() (T, error)) (T, error) {
	v, err := withContext(ctx, what+" "+object, fn)
	return v, classify(err, object, address)
}

// mutate sends a synchronous change, with errors typed for object. what
// names the request ("the update request"). Like operate, it sends nothing
// after an interrupt, and once sent waits for the answer on a context the
// interrupt does not cancel.
func mutate(ctx context.Context, what, object, address string, fn func() error) error {
	if err := clienterr.BeforeMutation(ctx, what, object); err != nil {
		return err
	}
	ctx, cancel := clienterr.Detach(ctx)
	defer cancel()
	_, err := call(ctx, what+" of", object, address, func() (struct{}, error) { return struct{}{}, fn() })
	return err
}

// operate sends a request that starts a background operation and waits for
// the operation, with errors typed for object. what names the request ("the
// delete request"). After an interrupt it sends nothing; once sent, the
// request is answered and its operation waited for on a context that the
// interrupt does not cancel (the resource's timeout still bounds it), so the
// caller learns the real outcome.
func operate(ctx context.Context, srv incusclient.InstanceServer, what, object, address string, send func() (incusclient.Operation, error)) error {
	if err := clienterr.BeforeMutation(ctx, what, object); err != nil {
		return err
	}
	ctx, cancel := clienterr.Detach(ctx)
	defer cancel()
	op, err := call(ctx, what+" of", object, address, send)
	if err != nil {
		return err
	}
	_, err = waitOperation(ctx, srv, op.Get(), object, address)
	return err
}

// waitOperation waits for a background operation through the server
// (GET /1.0/operations/{id}/wait?timeout=N, N from ctx's deadline) and turns
// its outcome into a typed error that keeps the operation's ID. It returns
// the operation as last seen. A connection lost during the wait is not the
// operation's failure: the wait goes on once the daemon answers again,
// within ctx.
//
// The waits go through srv and return values: an answer that arrives after
// ctx gave up is dropped, never written into shared state.
func waitOperation(ctx context.Context, srv incusclient.InstanceServer, started api.Operation, object, address string) (api.Operation, error) {
	last := started
	delay := 200 * time.Millisecond
	for {
		got, err := withContext(ctx, "operation "+last.ID+" ("+last.Description+") of "+object, func() (*api.Operation, error) {
			op, _, err := srv.GetOperationWait(last.ID, waitSeconds(ctx))
			return op, err
		})
		switch {
		case err == nil:
			last = *got
			if last.StatusCode.IsFinal() || ctx.Err() != nil {
				return last, operationOutcome(ctx, last, object)
			}
			continue // the server's wait ended before the operation did
		case ctx.Err() != nil:
			return last, operationOutcome(ctx, last, object)
		}
		// Either incusd answered the wait of a failed operation with an
		// error response (the operation's own error) rather than the
		// operation, or the connection broke: read the operation to learn
		// which, and its final status.
		lost := isConnection(classify(err, object, address))
		refreshed, rerr := refreshOperation(ctx, srv, last, object, address, lost)
		if rerr != nil {
			if isConnection(rerr) {
				return last, rerr
			}
			// The operation is gone already; its error is in the wait's answer.
			return last, &clienterr.OperationError{
				Info:        clienterr.Info{Object: object, Message: err.Error(), Err: err},
				OperationID: last.ID,
				Description: last.Description,
				OpStatus:    "Failure",
			}
		}
		last = refreshed
		if !last.StatusCode.IsFinal() {
			// The connection broke mid-wait and the operation still runs.
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			delay = min(2*delay, 5*time.Second)
			continue
		}
		return last, operationOutcome(ctx, last, object)
	}
}

// waitSeconds is how long the server may hold a wait: until ctx's deadline.
func waitSeconds(ctx context.Context) int {
	if deadline, ok := ctx.Deadline(); ok {
		return max(int(time.Until(deadline).Seconds()), 0)
	}
	return -1
}

// refreshOperation reads the operation again, retrying while the daemon
// cannot be reached. A daemon that answers but no longer knows the
// operation was restarted: the outcome is unknown, which is a Connection
// error (the caller reads the object to learn what exists).
func refreshOperation(ctx context.Context, srv incusclient.InstanceServer, started api.Operation, object, address string, lost bool) (api.Operation, error) {
	var op api.Operation
	err := retryUntilAnswered(ctx, func() error {
		got, err := withContext(ctx, "operation "+started.ID+" of "+object, func() (*api.Operation, error) {
			o, _, err := srv.GetOperation(started.ID)
			return o, err
		})
		err = classify(err, object, address)
		lost = lost || isConnection(err)
		if err == nil {
			op = *got
		}
		return err
	})
	switch {
	case err == nil:
		return op, nil
	case lost && IsNotFound(err):
		return op, connectionError(clienterr.Info{
			Object: object,
			Message: fmt.Sprintf("the connection was lost while waiting for operation %s (%s), and incusd no longer knows the operation (it restarted): its outcome is unknown",
				started.ID, started.Description),
			Err: err,
		}, address)
	case isConnection(err):
		return op, connectionError(clienterr.Info{
			Object: object,
			Message: fmt.Sprintf("the connection was lost while waiting for operation %s (%s) and incusd did not answer again within the timeout (%s): its outcome is unknown",
				started.ID, started.Description, clienterr.TimeoutOf(ctx).Round(time.Second)),
			Err: err,
		}, address)
	}
	return op, err
}

// operationOutcome turns the final (or last seen) operation into an error.
func operationOutcome(ctx context.Context, op api.Operation, object string) error {
	switch {
	case op.StatusCode.IsFinal() && op.StatusCode != api.Success:
		return &clienterr.OperationError{
			Info:        clienterr.Info{Object: object, Message: op.Err},
			OperationID: op.ID,
			Description: op.Description,
			OpStatus:    op.Status,
		}
	case !op.StatusCode.IsFinal():
		// The deadline came with the operation still running.
		return timeoutFromContext(ctx, op.Description+" of "+object+" (operation "+op.ID+")", op.Status)
	}
	return nil
}
