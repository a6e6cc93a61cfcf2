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

// requireExtension returns an error naming the API extension the server
// of s lacks, the Incus release that brought it and the server's version,
// or nil when the server has it. The Incus client's own refusal ("The
// server is missing the required ... API extension") says neither.
func requireExtension(srv incusclient.InstanceServer, s Scope, object, ext string) error {
	if srv.HasExtension(ext) {
		return nil
	}
	version := "an unknown version"
	if info, _, err := srv.GetServer(); err == nil && info.Environment.ServerVersion != "" {
		version = "version " + info.Environment.ServerVersion
	}
	since := extensionSince[ext]
	if since == "" {
		since = "a later Incus release"
	}
	return &clienterr.ValidationError{Info: clienterr.Info{
		Object:  object,
		Message: fmt.Sprintf("the Incus server of remote %q (%s) lacks the API extension %q, which %s brought", s.Remote, version, ext, since),
		Hint:    fmt.Sprintf("Upgrade incusd on that server to %s or later (`incus info %s:` lists its api_extensions), or manage this object on another remote.", since, s.Remote),
	}}
}
