package incus

import (
	"context"
	"errors"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// retryIdempotent retries a read-only call on Connection errors (a reset
// connection, a proxy's 502), with backoff, up to three tries and never past
// ctx. 4xx, auth and not-found errors are returned at once.
func retryIdempotent(ctx context.Context, fn func() error) error {
	delay := 200 * time.Millisecond
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = fn()
		var conn *clienterr.ConnectionError
		if err == nil || !errors.As(err, &conn) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay *= 2
	}
	return err
}
