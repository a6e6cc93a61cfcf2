package incus

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/lxc/incus/v6/shared/cliconfig"
)

// Remote is one Incus server the provider can talk to: a local unix socket or
// an HTTPS endpoint. It is also how image servers (simplestreams) are named.
type Remote struct {
	Name    string
	Address string // "unix://", "unix:///path/to/unix.socket" or "https://host:8443"

	ClientCert string // PEM, for https remotes
	ClientKey  string // PEM
	ServerCert string // PEM pin of the server's certificate; empty trusts the system CAs
	TrustToken string // used once, on first contact, to add the client certificate

	Project  string // default project for resources on this remote
	Protocol string // "incus" (default) or "simplestreams" for image-only servers
	Public   bool   // an image server that needs no credentials
}

// IsUnix reports whether the remote is a local unix socket.
func (r Remote) IsUnix() bool { return strings.HasPrefix(r.Address, "unix:") }

// SocketPath is the unix socket of a unix remote: the path in the address, or
// the Incus client's own default ($INCUS_SOCKET, $INCUS_DIR/unix.socket,
// /var/lib/incus/unix.socket) when the address is just "unix://".
func (r Remote) SocketPath() string {
	p := strings.TrimPrefix(strings.TrimPrefix(r.Address, "unix://"), "unix:")
	if p != "" {
		return p
	}
	if s := os.Getenv("INCUS_SOCKET"); s != "" {
		return s
	}
	dir := os.Getenv("INCUS_DIR")
	if dir == "" {
		dir = "/var/lib/incus"
		if _, err := os.Stat("/run/incus/unix.socket"); err == nil {
			dir = "/run/incus"
		}
	}
	return filepath.Join(dir, "unix.socket")
}

// DefaultSocket reports the socket a remote falls back to when nothing names
// one: a bare "unix://" address with neither INCUS_SOCKET nor INCUS_DIR set.
// ok is false for every other remote.
func (r Remote) DefaultSocket() (path string, ok bool) {
	if !r.IsUnix() || strings.TrimPrefix(strings.TrimPrefix(r.Address, "unix://"), "unix:") != "" ||
		os.Getenv("INCUS_SOCKET") != "" || os.Getenv("INCUS_DIR") != "" {
		return "", false
	}
	return r.SocketPath(), true
}

// FieldError says which field of a remote is wrong, so the provider can put
// the diagnostic on that attribute.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Validate checks a remote without contacting it: the address parses, the
// socket exists, the PEM blocks decode and the key matches the certificate.
func (r Remote) Validate() error {
	if r.IsUnix() {
		path := r.SocketPath()
		st, err := os.Stat(path)
		if err != nil {
			return &FieldError{"address", fmt.Errorf("the Incus socket %s cannot be used: %w; is incusd running, and is INCUS_SOCKET or INCUS_DIR right?", path, err)}
		}
		if st.Mode()&os.ModeSocket == 0 {
			return &FieldError{"address", fmt.Errorf("%s is not a unix socket", path)}
		}
		return nil
	}
	u, err := url.Parse(r.Address)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return &FieldError{"address", fmt.Errorf("%q is not a valid remote address: use unix:///path/to/unix.socket or https://host:8443", r.Address)}
	}
	if r.Protocol == "simplestreams" || r.Public {
		return nil
	}
	if u.Scheme != "https" {
		return &FieldError{"address", fmt.Errorf("%q: an Incus API remote must use https://", r.Address)}
	}
	if r.ServerCert != "" {
		if err := checkCertificatePEM(r.ServerCert); err != nil {
			return &FieldError{"server_certificate", err}
		}
	}
	if (r.ClientCert == "") != (r.ClientKey == "") {
		return &FieldError{"client_certificate", errors.New("client_certificate and client_key must be given together")}
	}
	if r.ClientCert != "" {
		if err := checkCertificatePEM(r.ClientCert); err != nil {
			return &FieldError{"client_certificate", err}
		}
		if _, err := tls.X509KeyPair([]byte(r.ClientCert), []byte(r.ClientKey)); err != nil {
			return &FieldError{"client_key", fmt.Errorf("the client key does not match the client certificate or is not valid PEM: %w", err)}
		}
	} else {
		return &FieldError{"client_certificate", fmt.Errorf("an https remote needs a client certificate and key (or an incus CLI config that has them)")}
	}
	return nil
}

func checkCertificatePEM(s string) error {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		return errors.New("not a PEM encoded certificate (expected a -----BEGIN CERTIFICATE----- block)")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return fmt.Errorf("the certificate cannot be parsed: %w", err)
	}
	return nil
}

// LoadCLIRemotes reads the remotes of the incus command line client
// ($INCUS_CONF or ~/.config/incus/config.yml, with its client certificate and
// pinned server certificates), so that `incus remote add` users need no HCL.
// It returns the remotes and the CLI's default remote name.
func LoadCLIRemotes(configDir string) (map[string]Remote, string, error) {
	path := ""
	if configDir != "" {
		path = filepath.Join(configDir, "config.yml")
	}
	conf, err := cliconfig.LoadConfig(path)
	if err != nil {
		return nil, "", err
	}
	remotes := make(map[string]Remote, len(conf.Remotes))
	for name, cr := range conf.Remotes {
		r := Remote{Name: name, Address: cr.Addr, Project: cr.Project, Protocol: cr.Protocol, Public: cr.Public}
		if r.Address == "unix://" || r.Address == "" {
			r.Address = "unix://"
		}
		if !r.IsUnix() && !r.Public {
			cert, key, _, err := conf.GetClientCertificate(name)
			if err == nil {
				r.ClientCert, r.ClientKey = cert, key
			}
		}
		if !r.IsUnix() {
			// `incus remote add` pins a self-signed server certificate for
			// public image servers too.
			if b, err := os.ReadFile(conf.ServerCertPath(name)); err == nil {
				r.ServerCert = string(b)
			}
		}
		remotes[name] = r
	}
	return remotes, conf.DefaultRemote, nil
}
