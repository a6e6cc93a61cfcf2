package incus

import (
	"context"
	"errors"
	"fmt"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// operate sends a request that starts a background operation and waits for
// the operation, with errors typed for object. what names the request ("the
// delete request"). After an interrupt it sends nothing; once sent, the
// request is answered and its operation waited for on a context that the
// interrupt does not cancel (the resource's timeout still bounds it), so the
// caller learns the real outcome.
func operate(ctx context.Context, what, object, address string, send func() (incusclient.Operation, error)) error {
	if err := clienterr.BeforeMutation(ctx, what, object); err != nil {
		return err
	}
	ctx, cancel := clienterr.Detach(ctx)
	defer cancel()
	op, err := withContext(ctx, what+" of "+object, send)
	if err != nil {
		return classify(err, object, address)
	}
	return waitOperation(ctx, op, object, address)
}

// waitOperation waits for a background operation through the server
// (GET /1.0/operations/{id}/wait?timeout=N, N from ctx's deadline) and turns
// its outcome into a typed error that keeps the operation's ID. A connection
// lost during the wait is not the operation's failure: the wait goes on once
// the daemon answers again, within ctx.
func waitOperation(ctx context.Context, op incusclient.Operation, object, address string) error {
	for {
		_, err := withContext(ctx, "operation "+op.Get().ID+" of "+object, func() (struct{}, error) {
			return struct{}{}, op.WaitContext(ctx)
		})
		if err != nil && ctx.Err() == nil {
			// Either incusd answered the wait of a failed operation with an
			// error response (the operation's own error) rather than the
			// operation, or the connection broke: read the operation to
			// learn which, and its final status.
			lost := isConnection(classify(err, object, address))
			if rerr := refreshOperation(ctx, op, object, address, lost); rerr != nil {
				if isConnection(rerr) {
					return rerr
				}
				// The operation is gone already; its error is in the wait's answer.
				started := op.Get()
				return &clienterr.OperationError{
					Info:        clienterr.Info{Object: object, Message: err.Error(), Err: err},
					OperationID: started.ID,
					Description: started.Description,
					OpStatus:    "Failure",
				}
			}
			if !op.Get().StatusCode.IsFinal() {
				continue // the connection broke mid-wait and the operation still runs
			}
		}
		return operationOutcome(ctx, op, object, address, err)
	}
}

// refreshOperation reads the operation again, retrying while the daemon
// cannot be reached. A daemon that answers but no longer knows the
// operation was restarted: the outcome is unknown, which is a Connection
// error (the caller reads the object to learn what exists).
func refreshOperation(ctx context.Context, op incusclient.Operation, object, address string, lost bool) error {
	started := op.Get()
	err := retryUntilAnswered(ctx, func() error {
		_, err := withContext(ctx, "operation "+started.ID+" of "+object, func() (struct{}, error) { return struct{}{}, op.Refresh() })
		err = classify(err, object, address)
		lost = lost || isConnection(err)
		return err
	})
	switch {
	case err == nil:
		return nil
	case lost && IsNotFound(err):
		return connectionError(clienterr.Info{
			Object: object,
			Message: fmt.Sprintf("the connection was lost while waiting for operation %s (%s), and incusd no longer knows the operation (it restarted): its outcome is unknown",
				started.ID, started.Description),
			Err: err,
		}, address)
	case isConnection(err):
		var conn *clienterr.ConnectionError
		errors.As(err, &conn)
		conn.Message = fmt.Sprintf("the connection was lost while waiting for operation %s (%s) and incusd did not answer again within the timeout (%s): its outcome is unknown",
			started.ID, started.Description, clienterr.TimeoutOf(ctx).Round(1e9))
		return conn
	}
	return err
}

// operationOutcome turns the final (or last seen) operation into an error.
func operationOutcome(ctx context.Context, op incusclient.Operation, object, address string, waitErr error) error {
	final := op.Get()
	if final.StatusCode.IsFinal() && final.StatusCode != api.Success {
		return &clienterr.OperationError{
			Info:        clienterr.Info{Object: object, Message: final.Err, Err: waitErr},
			OperationID: final.ID,
			Description: final.Description,
			OpStatus:    final.Status,
		}
	}
	if waitErr != nil {
		if ctx.Err() != nil {
			return timeoutFromContext(ctx, final.Description+" of "+object+" (operation "+final.ID+")", final.Status)
		}
		return classify(waitErr, object, address)
	}
	if !final.StatusCode.IsFinal() {
		// The server's wait returned at our deadline with the operation still running.
		return timeoutFromContext(ctx, final.Description+" of "+object+" (operation "+final.ID+")", final.Status)
	}
	return nil
}
