package incus

import (
	"context"
	"fmt"
	"net/url"

	"github.com/lxc/incus/v6/shared/api"
)

// ServerConfig is a server's configuration (GET /1.0): with Scope.Target,
// the cluster's keys and that member's own.
type ServerConfig struct {
	Config     map[string]string
	Clustered  bool
	ServerName string
	ETag       string
}

func serverObject(s Scope) string {
	if s.Target != "" {
		return fmt.Sprintf("server configuration (remote %q, member %q)", s.Remote, s.Target)
	}
	return fmt.Sprintf("server configuration (remote %q)", s.Remote)
}

// GetServerConfig reads the server's configuration with its ETag in one
// request. A target that is no member is a NotFound naming it.
func (c *Client) GetServerConfig(ctx context.Context, s Scope) (*ServerConfig, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	got, etag, err := get(ctx, serverObject(s), address, func() (*api.Server, string, error) {
		var out api.Server
		resp, etag, err := srv.RawQuery("GET", serverPath(s), nil, "")
		if err != nil {
			return nil, "", err
		}
		return &out, etag, resp.MetadataAsStruct(&out)
	})
	if err != nil {
		return nil, blameObject(err, s, "", "")
	}
	return &ServerConfig{Config: copyConfig(got.Config), Clustered: got.Environment.ServerClustered,
		ServerName: got.Environment.ServerName, ETag: etag}, nil
}

// PatchServerConfig changes only the given keys (an empty value unsets
// one): it reads the whole configuration and writes it back with them
// changed (PUT /1.0, guarded by the ETag of that read), so keys Terraform
// does not manage stay as they are; an unset key is sent empty. Not PATCH: incusd 6.0.4 undoes a PATCH
// it refuses (an unknown key) by replacing the member's own keys with the
// request's, which wipes the others (core.https_address: on a cluster the
// member drops out), as seen on the loopback cluster of
// .ci/install-incus-cluster.sh. A key incusd does not know is a Validation
// error with its text ("cannot set 'x' to 'y': unknown key").
func (c *Client) PatchServerConfig(ctx context.Context, s Scope, changes map[string]string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	cur, err := c.GetServerConfig(ctx, s)
	if err != nil {
		return err
	}
	config := cur.Config
	for k, v := range changes {
		// An empty value unsets: a PUT that only leaves a user.* key out
		// keeps it.
		config[k] = v
	}
	err = mutate(ctx, "the update request", serverObject(s), address, func() error {
		_, _, err := srv.RawQuery("PUT", serverPath(s), api.ServerPut{Config: config}, cur.ETag)
		return err
	})
	return blameObject(err, s, "", "")
}

// serverPath is /1.0, with the member a cluster request goes to. The
// client's own target is not added to raw queries.
func serverPath(s Scope) string {
	if s.Target == "" {
		return "/1.0"
	}
	return "/1.0?target=" + url.QueryEscape(s.Target)
}
