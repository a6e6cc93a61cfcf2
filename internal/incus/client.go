// Package incus is the provider's Incus client: a thin facade over the
// official Go client (github.com/lxc/incus/v6/client) that connects once per
// remote, waits on operations through the server, and returns the typed errors
// of internal/clienterr. It knows nothing of Terraform.
package incus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// Client holds the remotes the provider knows and one connection per remote,
// shared by every resource of the provider process and safe for concurrent use.
type Client struct {
	remotes       map[string]Remote
	defaultRemote string
	userAgent     string
	logger        hclog.Logger

	mu         sync.Mutex
	conns      map[string]*connection
	imageConns map[string]*imageConnection // public image servers
}

// connection is set up once (single flight) the first time a remote is used.
type connection struct {
	once   sync.Once
	server incusclient.InstanceServer
	err    error
	// info is GET /1.0, read once (a failed read is tried again) and only
	// for the types that check an API extension (extensions.go).
	infoMu sync.Mutex
	info   *api.Server
}

// Options configure a Client.
type Options struct {
	Remotes       map[string]Remote
	DefaultRemote string
	UserAgent     string
	Logger        hclog.Logger
}

// New makes a client. It does not contact any server: connections are made
// on first use, so `terraform validate` and plans with no Incus resources
// never touch the network.
func New(opts Options) (*Client, error) {
	if _, ok := opts.Remotes[opts.DefaultRemote]; !ok {
		return nil, fmt.Errorf("default remote %q is not defined", opts.DefaultRemote)
	}
	logger := opts.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Client{
		remotes:       opts.Remotes,
		defaultRemote: opts.DefaultRemote,
		userAgent:     opts.UserAgent,
		logger:        logger,
		conns:         map[string]*connection{},
		imageConns:    map[string]*imageConnection{},
	}, nil
}

// DefaultRemote is the name of the remote used when a resource names none.
func (c *Client) DefaultRemote() string { return c.defaultRemote }

// RemoteNames lists the configured remotes, sorted.
func (c *Client) RemoteNames() []string {
	names := make([]string, 0, len(c.remotes))
	for n := range c.remotes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Remote returns a configured remote by name ("" is the default remote).
func (c *Client) Remote(name string) (Remote, error) {
	if name == "" {
		name = c.defaultRemote
	}
	r, ok := c.remotes[name]
	if !ok {
		return Remote{}, &clienterr.ValidationError{Info: clienterr.Info{
			Object:  fmt.Sprintf("remote %q", name),
			Message: fmt.Sprintf("remote %q is not configured; known remotes: %s", name, strings.Join(c.RemoteNames(), ", ")),
		}}
	}
	return r, nil
}

// Scope says where an object lives: which remote and which project, and for
// the objects that have per-member state in a cluster (storage pools and
// volumes), which member ("" for the cluster as a whole or a standalone server).
type Scope struct {
	Remote  string
	Project string
	Target  string
}

// resolve fills in the default remote and the remote's default project.
func (c *Client) resolve(s Scope) (Scope, Remote, error) {
	r, err := c.Remote(s.Remote)
	if err != nil {
		return s, r, err
	}
	s.Remote = r.Name
	if s.Project == "" {
		s.Project = r.Project
	}
	if s.Project == "" {
		s.Project = api.ProjectDefaultName
	}
	return s, r, nil
}

// Resolve returns the scope with the default remote and project filled in.
func (c *Client) Resolve(s Scope) (Scope, error) {
	s, _, err := c.resolve(s)
	return s, err
}

// server returns the connection for a scope, connecting on first use.
func (c *Client) server(s Scope) (incusclient.InstanceServer, Scope, error) {
	s, remote, err := c.resolve(s)
	if err != nil {
		return nil, s, err
	}
	if remote.Protocol == "simplestreams" {
		return nil, s, &clienterr.ValidationError{Info: clienterr.Info{
			Object:  fmt.Sprintf("remote %q", remote.Name),
			Message: fmt.Sprintf("remote %q is an image server (simplestreams); instances cannot run on it", remote.Name),
		}}
	}
	c.mu.Lock()
	conn, ok := c.conns[remote.Name]
	if !ok {
		conn = &connection{}
		c.conns[remote.Name] = conn
	}
	c.mu.Unlock()
	conn.once.Do(func() { conn.server, conn.err = c.connect(remote) })
	if conn.err != nil {
		return nil, s, conn.err
	}
	srv := conn.server.UseProject(s.Project)
	if s.Target != "" {
		srv = srv.UseTarget(s.Target)
	}
	return srv, s, nil
}

// connect opens one remote. It skips the events websocket (operation waits
// use /1.0/operations/{id}/wait) and the initial GET /1.0, so a plan of N
// instances costs N requests.
func (c *Client) connect(remote Remote) (incusclient.InstanceServer, error) {
	args := &incusclient.ConnectionArgs{
		UserAgent:     c.userAgent,
		SkipGetEvents: true,
		SkipGetServer: true,
	}
	address := remote.Address
	if remote.IsUnix() {
		address = remote.SocketPath()
		httpClient := &http.Client{}
		args.HTTPClient = httpClient
		srv, err := incusclient.ConnectIncusUnix(address, args)
		if err != nil {
			return nil, classify(err, "remote "+remote.Name, address)
		}
		// The Incus client sets its own unix transport on our http.Client;
		// wrap it so that non-JSON error pages become Connection errors.
		base := httpClient.Transport.(*http.Transport)
		base.ResponseHeaderTimeout = 0 // operation waits are long polls, bounded by their own timeout
		httpClient.Transport = &checkedTransport{base: base, address: address}
		return srv, nil
	}

	args.TLSClientCert = remote.ClientCert
	args.TLSClientKey = remote.ClientKey
	args.TLSServerCert = remote.ServerCert
	args.TransportWrapper = func(t *http.Transport) incusclient.HTTPTransporter {
		t.ResponseHeaderTimeout = 0 // operation waits are long polls, bounded by their own timeout
		return &checkedTransport{base: t, address: address}
	}
	if remote.TrustToken != "" {
		// First contact with a trust token: the server must say who we are.
		args.SkipGetServer = false
	}
	srv, err := incusclient.ConnectIncus(address, args)
	if err != nil {
		return nil, classify(err, "remote "+remote.Name, address)
	}
	if remote.TrustToken != "" {
		if err := c.trust(srv, remote); err != nil {
			return nil, err
		}
	}
	return srv, nil
}

// trust adds our client certificate to the server with a trust token, unless
// the server already trusts it.
func (c *Client) trust(srv incusclient.InstanceServer, remote Remote) error {
	info, _, err := srv.GetServer()
	if err != nil {
		return classify(err, "remote "+remote.Name, remote.Address)
	}
	if info.Auth == "trusted" {
		return nil
	}
	req := api.CertificatesPost{TrustToken: remote.TrustToken}
	req.Type = api.CertificateTypeClient
	if err := srv.CreateCertificate(req); err != nil {
		return &clienterr.AuthenticationError{Info: clienterr.Info{
			Object:  "remote " + remote.Name,
			Message: "the trust token was refused (it may be used up or expired): " + err.Error(),
			Hint:    "Make a new token on the server (`incus config trust add <name>`) and put it in the incus_remote block's trust_token.",
			Err:     err,
		}}
	}
	return nil
}

// checkedTransport turns a non-JSON 5xx answer (a proxy's HTML error page)
// into a ConnectionError, which the Incus client would otherwise report as a
// bare "Failed to fetch" string.
type checkedTransport struct {
	base    *http.Transport
	address string
}

// Transport is what the Incus client asks for when it wants the transport's
// settings (to dial websockets) or, before every operation wait, to set
// ResponseHeaderTimeout to 0 on it. Done on the transport that all requests
// of the remote share, that write races with every concurrent request (the
// race-built provider in internal/acctest/interrupt reports it), so the
// client gets a copy; connect has already set the timeout to 0 on the real one.
func (t *checkedTransport) Transport() *http.Transport { return t.base.Clone() }

func (t *checkedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusForbidden && req.URL.Scheme == "https" && req.URL.Path != "/1.0" && t.untrusted(req) {
		// incusd answers an untrusted client certificate with 403 "not
		// authorized", the same status as a trusted but restricted one. Ask
		// the server which it is, so the user is told to fix the trust (401)
		// rather than the permissions (403).
		resp.StatusCode, resp.Status = http.StatusUnauthorized, "401 Unauthorized"
	}
	if resp.StatusCode >= 500 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = resp.Body.Close()
		return nil, connectionError(clienterr.Info{
			Status:  resp.StatusCode,
			Message: "the server answered " + resp.Status + " with a non-JSON body (a proxy in the way, or incusd down?)",
		}, t.address)
	}
	return resp, nil
}

// withContext runs a blocking call of the Incus client and gives up when ctx
// ends. The Incus client binds requests to its connection's context, not to
// the caller's, so this is how a resource's timeout reaches a plain request.
func withContext[T any](ctx context.Context, what string, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, timeoutFromContext(ctx, what, "")
	}
}

// untrusted asks GET /1.0 whether the server trusts our client certificate.
func (t *checkedTransport) untrusted(orig *http.Request) bool {
	u := *orig.URL
	u.Path, u.RawQuery = "/1.0", ""
	// The URL is the remote the user configured, not outside input.
	req, err := http.NewRequestWithContext(orig.Context(), http.MethodGet, u.String(), nil) //nolint:gosec // G704: same host as orig
	if err != nil {
		return false
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return false
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Metadata struct {
			Auth string `json:"auth"`
		} `json:"metadata"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil {
		return false
	}
	return body.Metadata.Auth == "untrusted"
}
