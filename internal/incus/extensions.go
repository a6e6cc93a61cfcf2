package incus

import (
	"fmt"

	incusclient "github.com/lxc/incus/v6/client"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// extensionSince is the Incus release that first served an API extension
// (internal/version/api.go of the Incus source, by tag), for the advice of
// a server that lacks it.
var extensionSince = map[string]string{
	"network_peer":         "Incus 0.1",
	"network_integrations": "Incus 0.7",
}

// requireExtension returns an Unsupported error naming the API extension
// the server of s lacks, the Incus release that brought it and the
// server's version, or nil when the server has it. The Incus client's own
// refusal ("The server is missing the required ... API extension") says
// neither the release nor the server.
func requireExtension(srv incusclient.InstanceServer, s Scope, object, ext string) error {
	if srv.HasExtension(ext) {
		return nil
	}
	out := &clienterr.UnsupportedError{
		Info:      clienterr.Info{Object: object},
		Extension: ext,
		Since:     extensionSince[ext],
	}
	if out.Since == "" {
		out.Since = "a later Incus release"
	}
	// Only on this failure path: one more request, for the version.
	if info, _, err := srv.GetServer(); err == nil {
		out.ServerVersion = info.Environment.ServerVersion
	}
	out.Hint = fmt.Sprintf("Upgrade incusd on the server of remote %q to %s or later (`incus info %s:` shows its version and api_extensions), or manage this object on another remote.", s.Remote, out.Since, s.Remote)
	return out
}
