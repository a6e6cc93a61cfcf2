package incus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// Instance is an Incus container or virtual machine as the provider sees it.
type Instance struct {
	Name        string
	Description string
	Type        string // "container" or "virtual-machine"
	Status      string // Running, Stopped, Frozen, Error, Ready
	Project     string
	Location    string

	Profiles  []string
	Config    map[string]string // the instance's own config, volatile.* and image.* included
	Devices   map[string]map[string]string
	Ephemeral bool

	// ExpandedConfig and ExpandedDevices add what the profiles give.
	ExpandedConfig  map[string]string
	ExpandedDevices map[string]map[string]string

	Architecture     string
	CreatedAt        time.Time
	ImageFingerprint string
	Interfaces       []Interface
	Processes        int
}

// Interface is one network interface of a running instance.
type Interface struct {
	Name string
	MAC  string
	IPv4 []string // global addresses only
	IPv6 []string
}

// Running reports whether the instance counts as started.
func (i *Instance) Running() bool { return i.Status == "Running" || i.Status == "Ready" }

// IsSystemConfigKey reports whether Incus, not the user, owns a config key
// (volatile.* state, image.* properties copied from the image).
func IsSystemConfigKey(key string) bool {
	return strings.HasPrefix(key, "volatile.") || strings.HasPrefix(key, "image.")
}

// UserConfig is Config without the keys Incus manages itself.
func (i *Instance) UserConfig() map[string]string {
	out := map[string]string{}
	for k, v := range i.Config {
		if !IsSystemConfigKey(k) {
			out[k] = v
		}
	}
	return out
}

// ImageSource says where a new instance's image comes from.
type ImageSource struct {
	Remote string // remote name; "" means the instance's own server
	Name   string // alias or fingerprint
}

var fingerprintRE = regexp.MustCompile(`^[0-9a-f]{12,64}$`)

// ParseImage splits "[remote:]alias-or-fingerprint".
func ParseImage(s string) ImageSource {
	if i := strings.Index(s, ":"); i > 0 {
		return ImageSource{Remote: s[:i], Name: s[i+1:]}
	}
	return ImageSource{Name: s}
}

// InstanceSpec is what Create sends.
type InstanceSpec struct {
	Name        string
	Description string
	Type        string
	Image       ImageSource
	Profiles    []string // nil: the server applies the project's default profile
	Config      map[string]string
	Devices     map[string]map[string]string
	Ephemeral   bool
	Start       bool
	Target      string // cluster member
	// Copy, when set, makes the instance a copy of another one (or of one
	// of its snapshots) instead of creating it from Image (instance_copy.go).
	Copy *CopySource
}

// InstanceUpdate is what can change on a live instance.
type InstanceUpdate struct {
	Description string
	Profiles    []string
	Config      map[string]string // user keys; system keys on the server are kept
	Devices     map[string]map[string]string
	Ephemeral   bool
}

func instanceObject(s Scope, name string) string {
	return fmt.Sprintf("instance %q (project %q, remote %q)", name, s.Project, s.Remote)
}

func (c *Client) source(s Scope, img ImageSource) (api.InstanceSource, error) {
	src := api.InstanceSource{Type: "image"}
	r, own, err := c.imageRemote(s, img)
	if err != nil {
		return src, err
	}
	if own {
		if img.IsFingerprint() {
			src.Fingerprint = img.Name
		} else {
			src.Alias = img.Name
		}
		return src, nil
	}
	// An image server takes the name as an alias first, then as a fingerprint.
	src.Alias = img.Name
	src.Server = r.Address
	src.Protocol = r.Protocol
	if src.Protocol == "" {
		src.Protocol = "incus"
	}
	return src, nil
}

// CreateInstance creates an instance and, when spec.Start is set, starts it in
// the same request. It waits for the operation and reads the instance back.
// Whenever the instance came to exist, it is returned, even with an error (a
// failed start, a wait cut short by the timeout or a daemon restart), so that
// the caller keeps it in state instead of orphaning it.
//
// After an interrupt nothing is sent. Once the create request is sent, its
// answer, the operation and the read-back are waited for on a context the
// interrupt does not cancel: the server carries the create out anyway.
func (c *Client) CreateInstance(ctx context.Context, s Scope, spec InstanceSpec) (*Instance, error) {
	srv, s, err := c.server(s)
	if err != nil {
		return nil, err
	}
	src, err := c.createSource(s, spec)
	if err != nil {
		return nil, err
	}
	req := api.InstancesPost{
		Name:   spec.Name,
		Type:   api.InstanceType(spec.Type),
		Source: src,
		Start:  spec.Start,
		InstancePut: api.InstancePut{
			Description: spec.Description,
			Config:      spec.Config,
			Devices:     spec.Devices,
			Profiles:    spec.Profiles,
			Ephemeral:   spec.Ephemeral,
		},
	}
	if spec.Target != "" {
		srv = srv.UseTarget(spec.Target)
	}
	return c.createWith(ctx, srv, s, spec.Name, spec.blameRequest(), func() (incusclient.Operation, error) {
		return srv.CreateInstance(req)
	})
}

// createWith sends a request that creates instance name (send: a create
// from an image or a copy, or a backup import) and follows it to the end:
// the answer, the operation and the read-back, with CreateInstance's rules
// on what exists after an error.
func (c *Client) createWith(ctx context.Context, srv incusclient.InstanceServer, s Scope, name string, blameReq instanceRequest, send func() (incusclient.Operation, error)) (*Instance, error) {
	object := instanceObject(s, name)
	address := c.remotes[s.Remote].Address
	if err := clienterr.BeforeMutation(ctx, "the create request", object); err != nil {
		return nil, err
	}
	ctx, cancel := clienterr.Detach(ctx)
	defer cancel()

	sent := time.Now()
	answer := make(chan createAnswer, 1)
	go func() {
		op, err := send()
		answer <- createAnswer{op, err}
	}()
	op, err := awaitCreate(ctx, answer, object)
	if err != nil {
		err = classify(err, object, address)
		err = c.blameInstance(ctx, err, s, blameReq)
		var ce *clienterr.ConflictError
		if errors.As(err, &ce) {
			ce.ImportID = ImportID(s, name)
			return nil, err
		}
		if clienterr.OutcomeUnknown(err) && !neverSent(err) {
			// The request may have reached the daemon before the connection broke.
			return c.adoptIfNew(ctx, s, name, sent, err)
		}
		return nil, err
	}
	started := op.Get()
	if final, werr := waitOperation(ctx, srv, started, object, address); werr != nil {
		var opErr *clienterr.OperationError
		if !errors.As(werr, &opErr) {
			// The outcome is unknown (connection lost, daemon restarted,
			// timeout): whatever the daemon made is ours. A create that
			// outlived the timeout still runs in incusd: give it a grace
			// to finish, so that what it makes is recorded.
			if _, timedOut := clienterr.Outermost(werr).(*clienterr.TimeoutError); timedOut { //nolint:errorlint // Outermost walked the chain
				grace, cancel := clienterr.WithTimeout(context.WithoutCancel(ctx), readBackGrace)
				_, _ = waitOperation(grace, srv, started, object, address)
				cancel()
			}
			return c.adoptIfNew(ctx, s, name, started.CreatedAt, werr)
		}
		werr = c.blameInstance(ctx, werr, s, blameReq)
		// Did the instance come to exist before the operation failed?
		inst, gerr := c.getAfterChange(ctx, s, name)
		if gerr != nil {
			return nil, werr
		}
		if inst.CreatedAt.Before(final.CreatedAt) {
			// It was there before we asked: some Incus versions report a
			// duplicate name as a failed operation rather than a 409.
			return nil, &clienterr.ConflictError{
				Info:     clienterr.Info{Object: object, Status: http.StatusConflict, Message: "an instance with this name already exists", Err: werr},
				ImportID: ImportID(s, name),
			}
		}
		return inst, werr
	}
	return c.getAfterChange(ctx, s, name)
}

// createClockSlack is how much earlier than our own clock's send time an
// instance's created_at may be and still count as made by our request (the
// server's clock may differ a little from ours).
const createClockSlack = 2 * time.Second

// adoptIfNew learns whether a create whose outcome is unknown made the
// instance: it reads the instance (retrying until the daemon answers, within
// ctx) and returns it, with cause, when it was created since `since`. An
// instance older than that was someone else's: a Conflict naming its import
// ID. When nothing can be learnt, the error says the instance may exist.
func (c *Client) adoptIfNew(ctx context.Context, s Scope, name string, since time.Time, cause error) (*Instance, error) {
	inst, err := c.getAfterChange(ctx, s, name)
	switch {
	case err == nil && inst.CreatedAt.Before(since.Add(-createClockSlack)):
		return nil, &clienterr.ConflictError{
			Info:     clienterr.Info{Object: instanceObject(s, name), Status: http.StatusConflict, Message: "an instance with this name already exists", Err: cause},
			ImportID: ImportID(s, name),
		}
	case err == nil:
		return inst, answeredAgain(cause, fmt.Sprintf("incusd answered again afterwards: instance %q exists (status %s).", name, inst.Status))
	case IsNotFound(err) && clienterr.IsConnection(cause):
		return nil, answeredAgain(cause, fmt.Sprintf("incusd answered again afterwards and has no instance %q: it was not created. Apply again to create it.", name))
	case IsNotFound(err) && clienterr.OutcomeUnknown(cause):
		return nil, fmt.Errorf("%w\n\nThe instance does not exist yet, but incusd may still be creating it: if `incus list` shows it later, import it with the ID %q", cause, ImportID(s, name))
	case IsNotFound(err):
		return nil, cause
	}
	return nil, fmt.Errorf("%w\n\nWhether the instance was created could not be checked (%w): if `incus list` shows it, import it with the ID %q", cause, err, ImportID(s, name))
}

// createAnswer is the answer to a create request.
type createAnswer struct {
	op  incusclient.Operation
	err error
}

// awaitCreate waits for the answer to a create request within ctx, and when
// ctx's deadline comes first, a grace longer: a create the daemon accepted
// late must still be followed, or what it makes would be orphaned.
func awaitCreate(ctx context.Context, answer <-chan createAnswer, object string) (incusclient.Operation, error) {
	select {
	case a := <-answer:
		return a.op, a.err
	case <-ctx.Done():
	}
	grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), readBackGrace)
	defer cancel()
	select {
	case a := <-answer:
		return a.op, a.err
	case <-grace.Done():
		return nil, timeoutFromContext(ctx, "the answer to the create request of "+object, "")
	}
}

// answeredAgain gives a lost connection the advice of what incusd said once
// it answered again: "check that incusd runs" would be wrong by then.
func answeredAgain(cause error, hint string) error {
	if conn, ok := clienterr.Outermost(cause).(*clienterr.ConnectionError); ok { //nolint:errorlint // Outermost walked the chain
		conn.Hint = hint
	}
	return cause
}

// GetInstance reads an instance with its state in one request
// (GET /1.0/instances/{name}?recursion=1).
func (c *Client) GetInstance(ctx context.Context, s Scope, name string) (*Instance, error) {
	inst, err := c.getInstanceFull(ctx, s, name)
	return inst, err
}

// readBackGrace is how long the read after a change may still take when the
// change itself used up the resource's timeout.
const readBackGrace = 30 * time.Second

// GetInstanceAfterChange reads an instance after a change the server may
// have made, retrying until the daemon answers (within ctx, or briefly past
// it when the change used it up): what exists must be known.
func (c *Client) GetInstanceAfterChange(ctx context.Context, s Scope, name string) (*Instance, error) {
	return c.getAfterChange(ctx, s, name)
}

func (c *Client) getAfterChange(ctx context.Context, s Scope, name string) (*Instance, error) {
	var inst *Instance
	err := ReadAfterChange(ctx, func(ctx context.Context) error {
		var err error
		inst, err = c.getInstanceFull(ctx, s, name)
		return err
	})
	return inst, err
}

func (c *Client) getInstanceFull(ctx context.Context, s Scope, name string) (*Instance, error) {
	srv, s, err := c.server(s)
	if err != nil {
		return nil, err
	}
	object := instanceObject(s, name)
	var full *api.InstanceFull
	err = retryIdempotent(ctx, func() error {
		i, err := call(ctx, "reading", object, c.remotes[s.Remote].Address, func() (*api.InstanceFull, error) {
			i, _, err := srv.GetInstanceFull(name)
			return i, err
		})
		full = i
		return err
	})
	if err != nil {
		return nil, c.blameInstance(ctx, err, s, instanceRequest{})
	}
	return fromAPI(full, s.Project), nil
}

func fromAPI(in *api.InstanceFull, project string) *Instance {
	out := &Instance{
		Name:             in.Name,
		Description:      in.Description,
		Type:             in.Type,
		Status:           in.Status,
		Project:          in.Project,
		Location:         in.Location,
		Profiles:         append([]string{}, in.Profiles...),
		Config:           map[string]string{},
		Devices:          map[string]map[string]string{},
		Ephemeral:        in.Ephemeral,
		Architecture:     in.Architecture,
		CreatedAt:        in.CreatedAt,
		ImageFingerprint: in.Config["volatile.base_image"],
	}
	if out.Project == "" {
		out.Project = project
	}
	for k, v := range in.Config {
		out.Config[k] = v
	}
	out.Devices = copyDevices(in.Devices)
	out.ExpandedDevices = copyDevices(in.ExpandedDevices)
	out.ExpandedConfig = make(map[string]string, len(in.ExpandedConfig))
	for k, v := range in.ExpandedConfig {
		out.ExpandedConfig[k] = v
	}
	if in.State != nil {
		out.Processes = int(in.State.Processes)
		names := make([]string, 0, len(in.State.Network))
		for n := range in.State.Network {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			net := in.State.Network[n]
			if n == "lo" || net.Type == "loopback" {
				continue
			}
			ifc := Interface{Name: n, MAC: net.Hwaddr}
			for _, a := range net.Addresses {
				if a.Scope != "global" {
					continue
				}
				switch a.Family {
				case "inet":
					ifc.IPv4 = append(ifc.IPv4, a.Address)
				case "inet6":
					ifc.IPv6 = append(ifc.IPv6, a.Address)
				}
			}
			out.Interfaces = append(out.Interfaces, ifc)
		}
	}
	return out
}

func copyDevices(in map[string]map[string]string) map[string]map[string]string {
	out := make(map[string]map[string]string, len(in))
	for name, dev := range in {
		d := make(map[string]string, len(dev))
		for k, v := range dev {
			d[k] = v
		}
		out[name] = d
	}
	return out
}

// UpdateInstance changes what can change on a live instance, in one PUT
// guarded by the instance's ETag. Config keys Incus owns are kept as they are.
func (c *Client) UpdateInstance(ctx context.Context, s Scope, name string, u InstanceUpdate) error {
	srv, s, err := c.server(s)
	if err != nil {
		return err
	}
	object := instanceObject(s, name)
	address := c.remotes[s.Remote].Address
	if err := clienterr.BeforeMutation(ctx, "the update request", object); err != nil {
		return err
	}
	type current struct {
		inst *api.Instance
		etag string
	}
	cur, err := call(ctx, "reading", object, address, func() (current, error) {
		i, etag, err := srv.GetInstance(name)
		return current{i, etag}, err
	})
	if err != nil {
		return c.blameInstance(ctx, err, s, u.blameRequest())
	}
	put := cur.inst.Writable()
	put.Description = u.Description
	put.Profiles = u.Profiles
	put.Devices = u.Devices
	put.Ephemeral = u.Ephemeral
	cfg := map[string]string{}
	for k, v := range cur.inst.Config {
		if IsSystemConfigKey(k) {
			cfg[k] = v
		}
	}
	for k, v := range u.Config {
		cfg[k] = v
	}
	put.Config = cfg
	err = operate(ctx, srv, "the update request", object, address, func() (incusclient.Operation, error) {
		return srv.UpdateInstance(name, put, cur.etag)
	})
	return c.blameInstance(ctx, err, s, u.blameRequest())
}

// StartInstance starts a stopped instance.
func (c *Client) StartInstance(ctx context.Context, s Scope, name string) error {
	return c.changeState(ctx, s, name, api.InstanceStatePut{Action: "start"})
}

// UnfreezeInstance resumes a frozen (paused) instance.
func (c *Client) UnfreezeInstance(ctx context.Context, s Scope, name string) error {
	return c.changeState(ctx, s, name, api.InstanceStatePut{Action: "unfreeze"})
}

// StopInstance stops an instance: cleanly within graceful (the guest's
// shutdown), then by force. graceful 0 forces at once.
func (c *Client) StopInstance(ctx context.Context, s Scope, name string, graceful time.Duration) error {
	if graceful > 0 {
		err := c.changeState(ctx, s, name, api.InstanceStatePut{Action: "stop", Timeout: int(graceful.Seconds())})
		if err == nil {
			return nil
		}
		// A guest that ignored the shutdown request ends in a failed operation;
		// anything else (not found, permission, our own timeout) is final.
		var opErr *clienterr.OperationError
		if !errors.As(err, &opErr) {
			return err
		}
		c.logger.Debug("graceful stop failed, forcing", "instance", name, "error", err)
	}
	return c.changeState(ctx, s, name, api.InstanceStatePut{Action: "stop", Force: true})
}

func (c *Client) changeState(ctx context.Context, s Scope, name string, state api.InstanceStatePut) error {
	srv, s, err := c.server(s)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the "+state.Action+" request", instanceObject(s, name), c.remotes[s.Remote].Address, func() (incusclient.Operation, error) {
		return srv.UpdateInstanceState(name, state, "")
	})
	return c.blameInstance(ctx, err, s, instanceRequest{})
}

// RenameInstance renames a stopped instance.
func (c *Client) RenameInstance(ctx context.Context, s Scope, from, to string) error {
	srv, s, err := c.server(s)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the rename request", instanceObject(s, from), c.remotes[s.Remote].Address, func() (incusclient.Operation, error) {
		return srv.RenameInstance(from, api.InstancePost{Name: to})
	})
	var ce *clienterr.ConflictError
	if errors.As(err, &ce) {
		ce.ImportID = ImportID(s, to) // the name is taken: that instance could be imported
	}
	return err
}

// InstanceName learns which of two names an instance has after a rename
// whose outcome is unknown (connection lost, timeout): the old name while an
// instance still has it (the rename did not happen), else the new one if an
// instance has it. It waits for the daemon to answer, within ctx.
func (c *Client) InstanceName(ctx context.Context, s Scope, from, to string) (string, error) {
	_, err := c.getAfterChange(ctx, s, from)
	if !IsNotFound(err) {
		return from, err
	}
	if _, err := c.getAfterChange(ctx, s, to); err != nil {
		return from, err
	}
	return to, nil
}

// DeleteInstance stops (when running) and deletes an instance. An instance
// that is already gone is success.
func (c *Client) DeleteInstance(ctx context.Context, s Scope, name string, running bool, graceful time.Duration) error {
	srv, s, err := c.server(s)
	if err != nil {
		return err
	}
	object := instanceObject(s, name)
	address := c.remotes[s.Remote].Address
	if running {
		if err := c.StopInstance(ctx, s, name, graceful); err != nil {
			// An instance stopped out of band fails the stop operation
			// ("already stopped"): carry on, the delete says if it is still running.
			var opErr *clienterr.OperationError
			if !errors.As(err, &opErr) && !IsNotFound(err) {
				return err
			}
		}
	}
	del := func() error {
		return operate(ctx, srv, "the delete request", object, address, func() (incusclient.Operation, error) {
			return srv.DeleteInstance(name)
		})
	}
	err = del()
	if err != nil && !running && isInstanceRunningError(err) {
		// It was started out of band since the last refresh. A stop that
		// finds it stopped already (its operation fails "not running")
		// is no obstacle: the delete says if it still runs.
		if err := c.StopInstance(ctx, s, name, graceful); err != nil && !IsNotFound(err) {
			var opErr *clienterr.OperationError
			if !errors.As(err, &opErr) {
				return err
			}
		}
		err = del()
	}
	if IsNotFound(err) {
		return nil
	}
	return err
}

// isInstanceRunningError: Incus refuses (400) to delete a running instance.
func isInstanceRunningError(err error) bool {
	var v *clienterr.ValidationError
	return errors.As(err, &v) && v.Status == http.StatusBadRequest
}

// ImageAlias returns the first alias of a local image, or "" when it has none.
func (c *Client) ImageAlias(ctx context.Context, s Scope, fingerprint string) (string, error) {
	srv, s, err := c.server(s)
	if err != nil {
		return "", err
	}
	object := fmt.Sprintf("image %q (project %q, remote %q)", fingerprint, s.Project, s.Remote)
	img, err := call(ctx, "reading", object, c.remotes[s.Remote].Address, func() (*api.Image, error) {
		i, _, err := srv.GetImage(fingerprint)
		return i, err
	})
	if err != nil {
		return "", err
	}
	if len(img.Aliases) == 0 {
		return "", nil
	}
	return img.Aliases[0].Name, nil
}
