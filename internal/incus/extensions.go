package incus

import (
	"context"
	"fmt"
	"slices"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// extensionSince is the Incus release that first served an API extension
// (docs-internal/incus-error-texts.md), for the advice of
// a server that lacks it.
var extensionSince = map[string]string{
	"network_peer":         "Incus 0.1",
	"network_integrations": "Incus 0.7",
}

// serverInfo is the remote's GET /1.0, read once per connection. The
// connections skip it (SkipGetServer), so the Incus client's own
// extension checks pass blindly; only the types that need an extension
// pay this one request.
func (c *Client) serverInfo(ctx context.Context, s Scope) (*api.Server, error) {
	if _, _, err := c.server(s); err != nil {
		return nil, err
	}
	c.mu.Lock()
	conn := c.conns[s.Remote]
	c.mu.Unlock()
	conn.infoMu.Lock()
	defer conn.infoMu.Unlock()
	if conn.info != nil {
		return conn.info, nil
	}
	address := c.remotes[s.Remote].Address
	info, err := call(ctx, "reading", fmt.Sprintf("remote %q", s.Remote), address, func() (*api.Server, error) {
		info, _, err := conn.server.GetServer()
		return info, err
	})
	if err != nil {
		return nil, err
	}
	conn.info = info
	return info, nil
}

// requireExtension returns an Unsupported error naming the API extension
// the server of s (resolved) lacks, the Incus release that brought it and
// the server's version, or nil when the server has it.
func (c *Client) requireExtension(ctx context.Context, s Scope, object, ext string) error {
	info, err := c.serverInfo(ctx, s)
	if err != nil {
		return err
	}
	if slices.Contains(info.APIExtensions, ext) {
		return nil
	}
	out := &clienterr.UnsupportedError{
		Info:          clienterr.Info{Object: object},
		Extension:     ext,
		Since:         extensionSince[ext],
		ServerVersion: info.Environment.ServerVersion,
	}
	if out.Since == "" {
		out.Since = "a later Incus release"
	}
	out.Hint = fmt.Sprintf("Upgrade incusd on the server of remote %q to %s or later (`incus info %s:` shows its version and api_extensions), or manage this object on another remote.", s.Remote, out.Since, s.Remote)
	return out
}
