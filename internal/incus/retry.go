package incus

import (
	"context"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// retryIdempotent retries a read-only call on Connection errors (a reset
// connection, a proxy's 502), with backoff, up to three tries and never past
// ctx. 4xx, auth and not-found errors are returned at once.
func retryIdempotent(ctx context.Context, fn func() error) error {
	return retryConnection(ctx, 3, fn)
}

// retryUntilAnswered retries a read-only call on Connection errors until the
// server answers or ctx ends. It is for the reads that follow a change the
// server accepted: what exists must be learnt, even across a daemon restart,
// or the object would be on the host and not in state.
func retryUntilAnswered(ctx context.Context, fn func() error) error {
	return retryConnection(ctx, 0, fn)
}

// ReadAfterChange runs read, a read of what a change the server accepted
// left, until the daemon answers (it may be restarting) within ctx. When
// ctx already ended (the change used the timeout up, or Terraform was
// interrupted), it still reads, for readBackGrace: what exists must be
// known, or the object would be on the host and not in state.
func ReadAfterChange(ctx context.Context, read func(ctx context.Context) error) error {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = clienterr.WithTimeout(context.WithoutCancel(ctx), readBackGrace)
		defer cancel()
	}
	return retryUntilAnswered(ctx, func() error { return read(ctx) })
}

// retryConnection makes up to tries attempts (0: until ctx ends), waiting
// 200 ms, doubling up to 5 s, between them.
func retryConnection(ctx context.Context, tries int, fn func() error) error {
	delay := 200 * time.Millisecond
	var err error
	for attempt := 0; tries == 0 || attempt < tries; attempt++ {
		err = fn()
		if !isConnection(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
	return err
}

func isConnection(err error) bool { return clienterr.IsConnection(err) }
