package incus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// IsFingerprint reports whether an image name is read as a fingerprint (or a
// prefix of one) rather than an alias, the same way for create and lookup.
func (img ImageSource) IsFingerprint() bool { return fingerprintRE.MatchString(img.Name) }

// String is the reference as the user writes it.
func (img ImageSource) String() string {
	if img.Remote == "" {
		return img.Name
	}
	return img.Remote + ":" + img.Name
}

// imageRemote says where an image reference points: the instance's own remote
// (own is true), or a public image server. A private remote other than the
// instance's own cannot serve images to it.
func (c *Client) imageRemote(s Scope, img ImageSource) (r Remote, own bool, err error) {
	if img.Remote == "" || img.Remote == s.Remote {
		return Remote{}, true, nil
	}
	r, err = c.Remote(img.Remote)
	if err != nil {
		return r, false, err
	}
	if !r.Public && r.Protocol != "simplestreams" {
		return r, false, &clienterr.ValidationError{Info: clienterr.Info{
			Object:  fmt.Sprintf("image %q", img.String()),
			Message: fmt.Sprintf("images can come from the instance's own remote or a public image server; remote %q is neither (copy the image to %q first)", img.Remote, s.Remote),
		}}
	}
	return r, false, nil
}

// imageObject names an image reference in errors: `image alias "debian/12"
// (remote "images", container, x86_64)`, `image "c55bd9f30b78" (project
// "default", remote "local")`.
func imageObject(name string, byAlias bool, s Scope, r Remote, own bool, imageType, arch string) string {
	kind := "image"
	if byAlias {
		kind = "image alias"
	}
	var where []string
	if own {
		where = append(where, fmt.Sprintf("project %q", s.Project), fmt.Sprintf("remote %q", s.Remote))
	} else {
		where = append(where, fmt.Sprintf("remote %q", r.Name))
	}
	if byAlias && !own && r.Protocol == "simplestreams" {
		// Image server aliases exist per type and architecture.
		where = append(where, imageType)
		if arch != "" {
			where = append(where, arch)
		}
	}
	return fmt.Sprintf("%s %q (%s)", kind, name, strings.Join(where, ", "))
}

// imageHint says how to see what a remote offers.
func imageHint(remote string) string {
	return fmt.Sprintf("Check the image reference. `incus image list %s:` lists the images of remote %q with their aliases (`incus image alias list %s:` the aliases only).", remote, remote, remote)
}

// ResolveImage finds, without changing anything, the fingerprint of the image
// that a reference `[remote:]alias|fingerprint-prefix` names for a new
// instance of imageType ("container", "virtual-machine"; "" means
// container) and architecture arch ("" for any) in scope s: the image the
// server would create the instance from. A reference points at the
// instance's own remote, or at a public image server (Incus protocol or
// simplestreams). The name is read as the server reads it on create: on the
// own remote as a fingerprint when it looks like one, else as an alias; on an
// image server as an alias first, then as a fingerprint.
//
// An alias or fingerprint that does not exist is a NotFoundError naming the
// reference; a server that cannot be reached is a ConnectionError.
func (c *Client) ResolveImage(ctx context.Context, s Scope, img ImageSource, imageType, arch string) (string, error) {
	s, _, err := c.resolve(s)
	if err != nil {
		return "", err
	}
	if imageType == "" {
		imageType = string(api.InstanceTypeContainer)
	}
	r, own, err := c.imageRemote(s, img)
	if err != nil {
		return "", err
	}
	var (
		srv        incusclient.ImageServer
		stream     *sync.Mutex // serializes the use of a simplestreams client
		address    string
		hintRemote string
	)
	if own {
		var is incusclient.InstanceServer
		is, s, err = c.server(s)
		if err != nil {
			return "", err
		}
		srv, address, hintRemote = is, c.remotes[s.Remote].Address, s.Remote
	} else {
		conn := c.imageServer(r)
		if conn.err != nil {
			return "", conn.err
		}
		srv, stream, address, hintRemote = conn.server, &conn.mu, r.Address, r.Name
	}
	simplestreams := !own && r.Protocol == "simplestreams"
	lookup := func(byAlias bool) (string, error) {
		object := imageObject(img.Name, byAlias, s, r, own, imageType, arch)
		switch {
		case simplestreams && byAlias:
			return streamAlias(ctx, stream, srv, img.Name, imageType, arch, object, address)
		case simplestreams:
			return streamFingerprint(ctx, stream, srv, img.Name, object, address)
		case byAlias:
			return incusAlias(ctx, srv, img.Name, imageType, object, address)
		default:
			return incusFingerprint(ctx, srv, img.Name, object, address)
		}
	}
	var fp string
	if own {
		fp, err = lookup(!img.IsFingerprint())
	} else {
		fp, err = lookup(true)
		if IsNotFound(err) && img.IsFingerprint() {
			fp, err = lookup(false)
		}
	}
	var nf *clienterr.NotFoundError
	if errors.As(err, &nf) { // the generic not-found advice says nothing of images
		nf.Hint = imageHint(hintRemote)
	}
	return fp, err
}

// incusFingerprint reads an image by fingerprint prefix from an Incus server
// (a public one shows untrusted clients its public images only).
func incusFingerprint(ctx context.Context, srv incusclient.ImageServer, name, object, address string) (string, error) {
	var image *api.Image
	err := retryIdempotent(ctx, func() error {
		i, err := call(ctx, "reading", object, address, func() (*api.Image, error) {
			i, _, err := srv.GetImage(name)
			return i, err
		})
		image = i
		return err
	})
	if err != nil {
		return "", err
	}
	return image.Fingerprint, nil
}

// incusAlias reads an alias from an Incus server. An Incus alias names one
// image, so its target is the answer; its type has to match.
func incusAlias(ctx context.Context, srv incusclient.ImageServer, name, imageType, object, address string) (string, error) {
	var alias *api.ImageAliasesEntry
	err := retryIdempotent(ctx, func() error {
		a, err := call(ctx, "reading", object, address, func() (*api.ImageAliasesEntry, error) {
			a, _, err := srv.GetImageAlias(name)
			return a, err
		})
		alias = a
		return err
	})
	if err != nil {
		return "", err
	}
	if alias.Type != "" && alias.Type != imageType {
		return "", &clienterr.NotFoundError{Info: clienterr.Info{
			Object:  object,
			Message: fmt.Sprintf("the alias points at a %s image, not a %s image", alias.Type, imageType),
		}}
	}
	return alias.Target, nil
}

// streamFingerprint finds an image by fingerprint prefix in a simplestreams
// index (fetched once per connection by the official client).
func streamFingerprint(ctx context.Context, mu *sync.Mutex, srv incusclient.ImageServer, name, object, address string) (string, error) {
	images, err := call(ctx, "reading the index for", object, address, locked(mu, srv.GetImages))
	if err != nil {
		return "", err
	}
	var matches []string
	for _, i := range images {
		if strings.HasPrefix(i.Fingerprint, name) {
			matches = append(matches, i.Fingerprint)
		}
	}
	switch len(matches) {
	case 0:
		return "", &clienterr.NotFoundError{Info: clienterr.Info{Object: object, Message: "no image of the image server has this fingerprint"}}
	case 1:
		return matches[0], nil
	}
	return "", &clienterr.ValidationError{Info: clienterr.Info{Object: object,
		Message: fmt.Sprintf("the prefix matches %d images; give more digits of the fingerprint", len(matches))}}
}

// streamAlias finds an alias in a simplestreams index, where an alias names
// one image per type and architecture.
func streamAlias(ctx context.Context, mu *sync.Mutex, srv incusclient.ImageServer, name, imageType, arch, object, address string) (string, error) {
	// withContext, not call: the client's own error is needed untyped below.
	targets, err := withContext(ctx, "reading "+object, locked(mu, func() (map[string]*api.ImageAliasesEntry, error) {
		return srv.GetImageAliasArchitectures(imageType, name)
	}))
	if err != nil {
		if ctx.Err() != nil {
			return "", err // already a timeout
		}
		// The client says "doesn't exist" only in words. When the index
		// itself is readable (it is cached by then), the alias is missing;
		// otherwise the error is the index's.
		if _, lerr := call(ctx, "reading the index for", object, address, locked(mu, srv.GetImageAliases)); lerr != nil {
			return "", classify(err, object, address)
		}
		return "", &clienterr.NotFoundError{Info: clienterr.Info{Object: object,
			Message: fmt.Sprintf("the image server has no %s image under this alias", imageType), Err: err}}
	}
	if arch == "" {
		// Any architecture shows that the alias exists; the server picks
		// the one it runs.
		return targets[sortedKeys(targets)[0]].Target, nil
	}
	if t, ok := targets[arch]; ok {
		return t.Target, nil
	}
	return "", &clienterr.NotFoundError{Info: clienterr.Info{Object: object,
		Message: fmt.Sprintf("the alias has no %s image for architecture %s (it has: %s)", imageType, arch, strings.Join(sortedKeys(targets), ", "))}}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// locked runs fn holding mu: the simplestreams client caches the index in
// plain fields, so concurrent plans must not use one client at once.
func locked[T any](mu *sync.Mutex, fn func() (T, error)) func() (T, error) {
	return func() (T, error) {
		mu.Lock()
		defer mu.Unlock()
		return fn()
	}
}

// imageServer returns the connection to a public image server, made once per
// remote (single flight) like the connections to Incus servers.
func (c *Client) imageServer(r Remote) *imageConnection {
	c.mu.Lock()
	conn, ok := c.imageConns[r.Name]
	if !ok {
		conn = &imageConnection{}
		c.imageConns[r.Name] = conn
	}
	c.mu.Unlock()
	conn.once.Do(func() { conn.server, conn.err = c.connectImageServer(r) })
	return conn
}

type imageConnection struct {
	once   sync.Once
	server incusclient.ImageServer
	err    error
	mu     sync.Mutex
}

// connectImageServer opens a public image server: no client certificate, the
// server certificate pinned when the remote has one.
func (c *Client) connectImageServer(r Remote) (incusclient.ImageServer, error) {
	args := &incusclient.ConnectionArgs{
		UserAgent:     c.userAgent,
		TLSServerCert: r.ServerCert,
		SkipGetEvents: true,
		SkipGetServer: true,
		TransportWrapper: func(t *http.Transport) incusclient.HTTPTransporter {
			return &checkedTransport{base: t, address: r.Address}
		},
	}
	var (
		srv incusclient.ImageServer
		err error
	)
	if r.Protocol == "simplestreams" {
		srv, err = incusclient.ConnectSimpleStreams(r.Address, args)
	} else {
		srv, err = incusclient.ConnectPublicIncus(r.Address, args)
	}
	if err != nil {
		return nil, classify(err, "remote "+r.Name, r.Address)
	}
	return srv, nil
}
