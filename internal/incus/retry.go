package incus

import (
	"context"
	"math/rand/v2"
	"regexp"
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

// daemonRace is a refusal incusd 6.0.4 gives when a request meets another
// one on a sibling object at the same moment: nothing was done, and the
// same request succeeds a moment later.
type daemonRace struct {
	text *regexp.Regexp // the server's message
}

// incusd's races (docs-internal/incus-error-texts.md):
var (
	// A bridge delete lists the host's interfaces to find the bridge's
	// children, and another bridge deleted at once vanished before it
	// was read (500).
	bridgeScanRace = daemonRace{regexp.MustCompile(`^Failed to delete bridge children interfaces: .*Device "[^"]+" does not exist`)}
	// An ACL GET or DELETE computes the ACL's usage over every ACL, and
	// one deleted at once is gone before it is read: 404 for an ACL that
	// still exists.
	aclUsageRace = daemonRace{regexp.MustCompile(`^Failed getting ACL usage: Network ACL not found$`)}
)

// raceRetries bounds the tries of a request that lost a race: the other
// requests end within a second or two.
const raceRetries = 8

// retryRace sends a request again while incusd refuses it for losing
// race, waiting a little longer (with jitter, so the racers do not meet
// again) each time, never past ctx.
func retryRace(ctx context.Context, race daemonRace, fn func() error) error {
	delay := 100 * time.Millisecond
	err := fn()
	for i := 0; i < raceRetries && err != nil && race.text.MatchString(err.Error()); i++ {
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay + time.Duration(rand.Int64N(int64(delay)))): //nolint:gosec // jitter; no secret
		}
		delay = min(2*delay, time.Second)
		err = fn()
	}
	return err
}
