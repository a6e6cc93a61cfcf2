package incus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	incusclient "github.com/lxc/incus/v6/client"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// InstanceFile is one file, directory or symlink to put into an instance
// through the file API (POST /1.0/instances/{name}/files?path=).
type InstanceFile struct {
	Path string
	Type string // "file", "directory" or "symlink"
	// Content is the file's content (a symlink's target); nil for a
	// directory. It is streamed, never read whole.
	Content io.ReadSeeker
	UID     int64 // -1: incusd's default (root)
	GID     int64
	Mode    int // -1: incusd's default
	// CreateDirectories makes missing parent directories first.
	CreateDirectories bool
}

func fileObject(s Scope, instance, p string) string {
	return fmt.Sprintf("file %q in instance %q (project %q, remote %q)", p, instance, s.Project, s.Remote)
}

// PushInstanceFile writes a file, directory or symlink into an instance,
// replacing what is at the path. incusd's own texts are kept; the two a
// user can fix (the path is a directory, the parent is missing) get a hint.
func (c *Client) PushInstanceFile(ctx context.Context, s Scope, instance string, f InstanceFile) error {
	srv, s, err := c.server(s)
	if err != nil {
		return err
	}
	address := c.remotes[s.Remote].Address
	if f.CreateDirectories {
		if err := c.makeParents(ctx, srv, s, instance, f.Path); err != nil {
			return err
		}
	}
	object := fileObject(s, instance, f.Path)
	args := incusclient.InstanceFileArgs{Content: f.Content, UID: f.UID, GID: f.GID, Mode: f.Mode, Type: f.Type}
	if f.Type == "directory" {
		args.Content = nil
	}
	if args.Content == nil {
		args.Content = bytes.NewReader(nil)
	}
	err = mutate(ctx, "the file upload", object, address, func() error {
		return srv.CreateInstanceFile(instance, f.Path, args)
	})
	return fileHint(err, f.Path)
}

// makeParents creates the missing directories above p, outermost first.
func (c *Client) makeParents(ctx context.Context, srv incusclient.InstanceServer, s Scope, instance, p string) error {
	var missing []string
	for dir := path.Dir(p); dir != "/" && dir != "."; dir = path.Dir(dir) {
		_, err := c.statFile(ctx, srv, s, instance, dir)
		if err == nil {
			break
		}
		if !IsNotFound(err) {
			return err
		}
		missing = append(missing, dir)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		dir := missing[i]
		err := mutate(ctx, "the directory creation", fileObject(s, instance, dir), c.remotes[s.Remote].Address, func() error {
			return srv.CreateInstanceFile(instance, dir, incusclient.InstanceFileArgs{Type: "directory", UID: -1, GID: -1, Mode: 0o755, Content: bytes.NewReader(nil)})
		})
		if err != nil {
			return fileHint(err, dir)
		}
	}
	return nil
}

// statFile reads the type of what is at p (the body is closed unread).
func (c *Client) statFile(ctx context.Context, srv incusclient.InstanceServer, s Scope, instance, p string) (string, error) {
	object := fileObject(s, instance, p)
	typ, err := call(ctx, "reading", object, c.remotes[s.Remote].Address, func() (string, error) {
		body, resp, err := srv.GetInstanceFile(instance, p)
		if err != nil {
			return "", err
		}
		if body != nil {
			_ = body.Close()
		}
		return resp.Type, nil
	})
	return typ, err
}

// fileHint adds what to do to the upload errors a configuration can cause.
func fileHint(err error, p string) error {
	var info *clienterr.Info
	switch e := clienterr.Outermost(err).(type) { //nolint:errorlint // Outermost walked the chain
	case *clienterr.ValidationError:
		info = &e.Info
	case *clienterr.NotFoundError:
		info = &e.Info
	default:
		return err
	}
	switch {
	case strings.Contains(info.Message, "is a directory"):
		info.Hint = fmt.Sprintf("%s is an existing directory in the instance, so a file cannot be written there: give the path of a file inside it (such as %s), or set type = \"directory\".", p, path.Join(p, "file"))
	case info.Status == http.StatusNotFound && !strings.Contains(info.Message, "Instance not found"):
		info.Hint = fmt.Sprintf("The parent directory %s does not exist in the instance: set create_directories = true, or create it first.", path.Dir(p))
	case strings.Contains(info.Message, "directory not empty"):
		info.Hint = fmt.Sprintf("%s is a directory that is not empty: Incus deletes only empty directories. Remove its contents first, or keep it in files.", p)
	}
	return err
}

// FileState is what a drift check learns of a path in an instance.
type FileState struct {
	Type string // "file", "directory" or "symlink"
	// SHA256 of the content (a symlink's target), hex; "" when the file is
	// larger than the limit the caller gave, or a directory.
	SHA256 string
	UID    int64
	GID    int64
	Mode   int
}

// InstanceFileState reads a path back for a drift check: its type, owner,
// mode and, for a file of at most limit bytes or a symlink, the SHA-256 of
// its content (streamed through the hash, never kept). A missing path is a
// NotFoundError.
func (c *Client) InstanceFileState(ctx context.Context, s Scope, instance, p string, limit int64) (*FileState, error) {
	srv, s, err := c.server(s)
	if err != nil {
		return nil, err
	}
	object := fileObject(s, instance, p)
	return call(ctx, "reading", object, c.remotes[s.Remote].Address, func() (*FileState, error) {
		body, resp, err := srv.GetInstanceFile(instance, p)
		if err != nil {
			return nil, err
		}
		defer func() {
			if body != nil {
				_ = body.Close()
			}
		}()
		st := &FileState{Type: resp.Type, UID: resp.UID, GID: resp.GID, Mode: resp.Mode}
		if resp.Type == "directory" || body == nil {
			return st, nil
		}
		h := sha256.New()
		n, err := io.Copy(h, io.LimitReader(body, limit+1))
		if err != nil {
			return nil, err
		}
		if n <= limit {
			st.SHA256 = hex.EncodeToString(h.Sum(nil))
		}
		return st, nil
	})
}

// DeleteInstanceFile removes a path from an instance (a directory only
// when empty, as incusd does). A path that is already gone is success.
func (c *Client) DeleteInstanceFile(ctx context.Context, s Scope, instance, p string) error {
	srv, s, err := c.server(s)
	if err != nil {
		return err
	}
	object := fileObject(s, instance, p)
	err = mutate(ctx, "the file deletion", object, c.remotes[s.Remote].Address, func() error {
		return srv.DeleteInstanceFile(instance, p)
	})
	var nf *clienterr.NotFoundError
	if errors.As(err, &nf) && !strings.Contains(nf.Message, "Instance not found") {
		return nil
	}
	return fileHint(err, p)
}
