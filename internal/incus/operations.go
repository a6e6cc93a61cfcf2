package incus

import (
	"context"
	"errors"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// operate sends a request that starts a background operation and waits for
// the operation, with errors typed for object. what names the request in a
// timeout ("the delete request").
func operate(ctx context.Context, what, object, address string, send func() (incusclient.Operation, error)) error {
	op, err := withContext(ctx, what+" of "+object, send)
	if err != nil {
		return classify(err, object, address)
	}
	return waitOperation(ctx, op, object, address)
}

// waitOperation waits for a background operation through the server
// (GET /1.0/operations/{id}/wait?timeout=N, N from ctx's deadline) and turns
// its outcome into a typed error that keeps the operation's ID.
func waitOperation(ctx context.Context, op incusclient.Operation, object, address string) error {
	err := op.WaitContext(ctx)
	if err != nil && ctx.Err() == nil {
		// incusd answers the wait of a failed operation with an error
		// response (the operation's own error, HTTP 500) rather than the
		// operation: read the operation to learn its final status.
		if rerr := op.Refresh(); rerr != nil {
			typed := classify(err, object, address)
			var conn *clienterr.ConnectionError
			if errors.As(typed, &conn) {
				return typed
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
	}
	final := op.Get()
	if final.StatusCode.IsFinal() && final.StatusCode != api.Success {
		return &clienterr.OperationError{
			Info:        clienterr.Info{Object: object, Message: final.Err, Err: err},
			OperationID: final.ID,
			Description: final.Description,
			OpStatus:    final.Status,
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return timeoutFromContext(ctx, final.Description+" of "+object+" (operation "+final.ID+")", final.Status)
		}
		return classify(err, object, address)
	}
	if !final.StatusCode.IsFinal() {
		// The server's wait returned at our deadline with the operation still running.
		return timeoutFromContext(ctx, final.Description+" of "+object+" (operation "+final.ID+")", final.Status)
	}
	return nil
}
