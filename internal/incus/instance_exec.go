package incus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// ExecSpec is a command to run in an instance.
type ExecSpec struct {
	Command     []string
	Environment map[string]string
	Cwd         string
	UID, GID    uint32
	// Timeout bounds the command itself; 0 leaves only ctx.
	Timeout time.Duration
}

// ExecResult is how a command ended and what it wrote.
type ExecResult struct {
	ExitCode    int
	Stdout      string
	Stderr      string
	OperationID string
}

// maxExecOutput is how much of each output stream is kept: a command that
// writes more keeps its last bytes (the tail is what explains a failure).
const maxExecOutput = 1 << 20

// ExecTimeoutError is a command that did not end within its own timeout.
type ExecTimeoutError struct {
	Command     []string
	Timeout     time.Duration
	OperationID string
	// Cancelled reports whether incusd cancelled the command; when it
	// refuses, the command may still run in the instance.
	Cancelled bool
	CancelErr error
}

func (e *ExecTimeoutError) Error() string {
	s := fmt.Sprintf("command %s did not finish within its timeout of %s (operation %s)", quoteCommand(e.Command), e.Timeout, e.OperationID)
	if e.Cancelled {
		return s + ": it was cancelled"
	}
	return s + fmt.Sprintf(": incusd could not cancel it (%v), so it may still be running in the instance", e.CancelErr)
}

func quoteCommand(cmd []string) string {
	parts := make([]string, len(cmd))
	for i, a := range cmd {
		parts[i] = fmt.Sprintf("%q", a)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// ExecInstance runs a command in an instance without websockets: incusd
// records its output (record-output), the operation's metadata gives the
// exit code and the log files, which are read and then deleted. A command
// incusd cannot start (not found, instance not running) is incusd's error.
func (c *Client) ExecInstance(ctx context.Context, s Scope, name string, spec ExecSpec) (*ExecResult, error) {
	srv, s, err := c.server(s)
	if err != nil {
		return nil, err
	}
	object := instanceObject(s, name)
	address := c.remotes[s.Remote].Address
	req := api.InstanceExecPost{
		Command: spec.Command, Environment: spec.Environment, Cwd: spec.Cwd,
		User: spec.UID, Group: spec.GID,
		WaitForWS: false, Interactive: false, RecordOutput: true,
	}
	what := "the exec request of " + quoteCommand(spec.Command)
	if err := clienterr.BeforeMutation(ctx, what, object); err != nil {
		return nil, err
	}
	ctx, cancel := clienterr.Detach(ctx)
	defer cancel()
	op, err := call(ctx, what+" in", object, address, func() (incusclient.Operation, error) {
		return srv.ExecInstance(name, req, nil)
	})
	if err != nil {
		return nil, c.blameInstance(ctx, err, s, instanceRequest{})
	}
	started := op.Get()
	waitCtx, waitCancel := ctx, context.CancelFunc(func() {})
	if spec.Timeout > 0 {
		waitCtx, waitCancel = context.WithTimeout(ctx, spec.Timeout)
	}
	final, err := waitOperation(waitCtx, srv, started, object, address)
	waitCancel()
	if err != nil && ctx.Err() == nil && waitCtx.Err() != nil {
		// The command's own timeout: ask incusd to cancel it.
		te := &ExecTimeoutError{Command: spec.Command, Timeout: spec.Timeout, OperationID: started.ID}
		_, cerr := withContext(ctx, "cancelling operation "+started.ID, func() (struct{}, error) {
			return struct{}{}, srv.DeleteOperation(started.ID)
		})
		te.Cancelled, te.CancelErr = cerr == nil, cerr
		return nil, te
	}
	if err != nil {
		return nil, err
	}
	res := &ExecResult{ExitCode: -1, OperationID: final.ID}
	if code, ok := final.Metadata["return"].(float64); ok {
		res.ExitCode = int(code)
	}
	outputs, _ := final.Metadata["output"].(map[string]any)
	for fd, dst := range map[string]*string{"1": &res.Stdout, "2": &res.Stderr} {
		p, _ := outputs[fd].(string)
		if p == "" {
			continue
		}
		text, err := c.execLog(ctx, srv, p)
		if err != nil {
			return res, classify(err, object, address)
		}
		*dst = text
	}
	return res, nil
}

// execLog reads one recorded output (its path as the operation gives it,
// /1.0/instances/{name}/logs/exec-output/{file}) and deletes it. The official
// client's GetInstanceLogfile escapes the "/" of exec-output/, which incusd
// refuses, so the request is made here on the client's own connection.
func (c *Client) execLog(ctx context.Context, srv incusclient.InstanceServer, p string) (string, error) {
	info, err := srv.GetConnectionInfo()
	if err != nil {
		return "", err
	}
	query := "?project=" + url.QueryEscape(info.Project)
	text, err := withContext(ctx, "reading "+p, func() (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, info.URL+p+query, nil)
		if err != nil {
			return "", err
		}
		resp, err := srv.DoHTTP(req)
		if err != nil {
			return "", err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			return "", api.StatusErrorf(resp.StatusCode, "%s", strings.TrimSpace(string(b)))
		}
		return readTail(resp.Body, maxExecOutput)
	})
	if err != nil {
		return "", err
	}
	_, _, derr := srv.RawQuery(http.MethodDelete, p+query, nil, "")
	if derr != nil && !api.StatusErrorCheck(derr, http.StatusNotFound) {
		c.logger.Debug("deleting exec output failed", "path", p, "error", derr)
	}
	return text, nil
}

// readTail reads r to the end and keeps its last max bytes.
func readTail(r io.Reader, max int) (string, error) {
	buf := make([]byte, 0, 4096)
	chunk := make([]byte, 32*1024)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if len(buf) > 2*max {
			buf = append(buf[:0], buf[len(buf)-max:]...)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
	}
	if len(buf) > max {
		buf = buf[len(buf)-max:]
	}
	return string(buf), nil
}

// IsCommandNotFound reports whether incusd refused an exec because the
// command does not exist in the instance: "Command not found", as the
// exec's failed operation (incusd 6.0.4, usually) or as an HTTP 400.
func IsCommandNotFound(err error) bool {
	var v *clienterr.ValidationError
	var o *clienterr.OperationError
	return (errors.As(err, &v) && strings.Contains(v.Message, "Command not found")) ||
		(errors.As(err, &o) && strings.Contains(o.Message, "Command not found"))
}

// waitCloudInit waits for cloud-init to finish in the instance by running
// `cloud-init status --wait --long` (cloud-init's own wait, one request and
// one operation, rather than polling /run/cloud-init/result.json, whose
// errors would need reading cloud-init's files and which a VM without its
// agent cannot serve either). Exit 0 is done; 2 is done with recoverable
// errors (accepted); otherwise, or status error, its own errors are the
// error. An image without cloud-init is an UnsatisfiableError at once.
func (c *Client) waitCloudInit(ctx context.Context, s Scope, name string) error {
	resolved, _ := c.Resolve(s)
	object := instanceObject(resolved, name)
	res, err := c.ExecInstance(ctx, s, name, ExecSpec{Command: []string{"cloud-init", "status", "--wait", "--long"}})
	if IsCommandNotFound(err) {
		return &clienterr.UnsatisfiableError{
			Info: clienterr.Info{Object: object, Message: "cloud-init is not installed in the instance (incusd: Command not found), so it cannot finish",
				Hint: `Use an image with cloud-init (the "/cloud" variants of the images: remote), or remove the "cloud-init" wait_for condition.`},
			WaitingFor: object + " to finish cloud-init",
		}
	}
	if err != nil {
		var te *clienterr.TimeoutError
		if errors.As(err, &te) || clienterr.Interrupted(ctx) {
			return timeoutFromContext(ctx, fmt.Sprintf("cloud-init to finish in instance %q", name), "")
		}
		return err
	}
	st := parseCloudInitStatus(res.Stdout)
	if (res.ExitCode == 0 || res.ExitCode == 2) && st.status != "error" {
		return nil
	}
	msg := fmt.Sprintf("cloud-init reported status %q (exit code %d)", fallback(st.status, "unknown"), res.ExitCode)
	if len(st.errors) > 0 {
		msg += ": " + strings.Join(st.errors, "; ")
	} else if st.detail != "" {
		msg += ": " + st.detail
	} else if e := strings.TrimSpace(res.Stderr); e != "" {
		msg += ": " + e
	}
	return &clienterr.OperationError{
		Info:        clienterr.Info{Object: object, Message: msg, Hint: "`incus exec " + name + " -- cloud-init status --long` and /var/log/cloud-init.log in the instance tell more."},
		OperationID: res.OperationID,
		Description: "cloud-init status --wait --long",
		OpStatus:    "Failure",
	}
}

func fallback(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

type cloudInitStatus struct {
	status, detail string
	errors         []string
}

// parseCloudInitStatus reads `cloud-init status --long`: "key: value" lines,
// and the `errors:` list ("- item" lines, or [] inline).
func parseCloudInitStatus(out string) cloudInitStatus {
	var st cloudInitStatus
	inErrors := false
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		if inErrors && strings.HasPrefix(trimmed, "- ") {
			st.errors = append(st.errors, strings.TrimSpace(strings.TrimPrefix(trimmed, "- ")))
			continue
		}
		inErrors = false
		key, value, ok := strings.Cut(trimmed, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch key {
		case "status":
			st.status = value
		case "detail":
			st.detail = value
		case "errors":
			inErrors = value == ""
		}
	}
	return st
}
