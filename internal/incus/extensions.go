package incus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// APIExtension is a server API extension that some object types need, and
// the Incus release that brought it, for the error on an older server.
type APIExtension struct {
	Name  string // "network_address_set"
	Since string // "6.12"
	What  string // what needs it, in words: "network address sets"
}

// NetworkAddressSets is the extension of /1.0/network-address-sets and of
// ACL subjects written `$name`, first in Incus 6.12
// (docs-internal/incus-error-texts.md).
var NetworkAddressSets = APIExtension{Name: "network_address_set", Since: "6.12", What: "network address sets"}

// NetworkPeers and NetworkIntegrations are the extensions of
// /1.0/networks/{name}/peers and /1.0/network-integrations (first in the
// v0.1.0 and v0.7.0 tags: every Incus 6 has them; they are checked so that
// an older server's "not found" is told apart from a missing object).
var (
	NetworkPeers        = APIExtension{Name: "network_peer", Since: "0.1", What: "network peers"}
	NetworkIntegrations = APIExtension{Name: "network_integrations", Since: "0.7", What: "network integrations"}
)

// serverFacts is what GET /1.0 says of a remote, read once per provider
// process (connect skips GET /1.0 so that a plan costs no extra request).
type serverFacts struct {
	once       sync.Once
	extensions []string
	version    string
	err        error
}

// facts reads GET /1.0 of the scope's remote once; a failed read is kept
// (the next plan is another process).
func (c *Client) facts(ctx context.Context, s Scope) (*serverFacts, Scope, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, s, err
	}
	v, _ := c.serverFacts.LoadOrStore(s.Remote, &serverFacts{})
	f := v.(*serverFacts)
	f.once.Do(func() {
		info, ierr := call(ctx, "reading", fmt.Sprintf("remote %q", s.Remote), address, func() (*api.Server, error) {
			got, _, err := srv.GetServer()
			return got, err
		})
		if ierr != nil {
			f.err = ierr
			return
		}
		f.extensions = info.APIExtensions
		f.version = info.Environment.ServerVersion
	})
	return f, s, f.err
}

// CheckExtension returns a ValidationError about object (the server when
// "") naming the extension and the Incus release that brought it when the
// remote lacks ext, nil when it has it, or the error of reading the
// server's facts. Its Hint says it all; its cause is the bare fact.
func (c *Client) CheckExtension(ctx context.Context, s Scope, ext APIExtension, object string) error {
	f, s, err := c.facts(ctx, s)
	if err != nil {
		return err
	}
	if slices.Contains(f.extensions, ext.Name) {
		return nil
	}
	return missingExtension(s, ext, f.version, object)
}

// MissingExtension reports whether err is the error of CheckExtension for
// a server without the extension.
func MissingExtension(err error) bool {
	var m *missingExtensionError
	return errors.As(err, &m)
}

// missingExtensionError marks the Validation error of a missing extension.
type missingExtensionError struct{ ext APIExtension }

func (e *missingExtensionError) Error() string {
	return fmt.Sprintf("the server lacks the %q API extension", e.ext.Name)
}

func missingExtension(s Scope, ext APIExtension, version, object string) error {
	runs := ""
	if version != "" {
		runs = fmt.Sprintf(" runs Incus %s, which", version)
	}
	return &clienterr.ValidationError{Info: clienterr.Info{
		Object: object,
		Hint: fmt.Sprintf("Incus server %q%s lacks the API extension %q: %s came with Incus %s. "+
			"Upgrade the server to Incus %s or later (`incus version %s:` shows what it runs), or remove the %s from the configuration.",
			s.Remote, runs, ext.Name, ext.What, ext.Since, ext.Since, s.Remote, ext.What),
		Err: &missingExtensionError{ext: ext},
	}}
}

// requireOn404 turns the 404 that a server without ext gives for its whole
// API path (incusd's router answers "not found" to a path it does not
// know) into the missing-extension error; any other error is returned as
// it is. It costs a request only then: the happy path reads no GET /1.0.
func (c *Client) requireOn404(ctx context.Context, s Scope, ext APIExtension, err error) error {
	if err == nil {
		return nil
	}
	var nf *clienterr.NotFoundError
	if !errors.As(err, &nf) || nf.Message != "not found" {
		return err
	}
	if cerr := c.CheckExtension(ctx, s, ext, nf.Object); MissingExtension(cerr) {
		return cerr
	}
	return err
}
