package acctest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"
)

// incusdPath is where incus-base installs the daemon (see .ci/install-incus.sh).
const incusdPath = "/usr/libexec/incus/incusd"

// PrivateIncus is a second real incusd that one test owns and may kill: it
// has its own INCUS_DIR (database, unix socket, logs, run and cache
// directories, a dir storage pool) and no network listener, so killing it
// leaves the shared daemon at RACK_ACC_INCUS_SOCKET and its instances alone.
// Its containers' LXC path is under its INCUS_DIR too, and their cgroups are
// named after the instances, which the tests name at random.
type PrivateIncus struct {
	*IncusHost
	t      *testing.T
	dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// StartPrivateIncus starts a private incusd, makes a `default` dir pool and
// a default profile with a root disk on it, and copies the test image from
// shared (a real host) under the same alias. The daemon is stopped, its
// instances deleted and its directory removed when the test ends, passed or
// failed (not when go test's -timeout panics: cleanups do not run then). It
// skips unless running as root with incusd installed.
func StartPrivateIncus(t *testing.T, shared *IncusHost) *PrivateIncus {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a private incusd needs root")
	}
	if _, err := os.Stat(incusdPath); err != nil {
		t.Skipf("a private incusd needs %s: %v", incusdPath, err)
	}
	// Short: the unix socket path is limited to 108 bytes.
	dir, err := os.MkdirTemp("", "rack-incusd-")
	if err != nil {
		t.Fatal(err)
	}
	// Unprivileged containers' root must be able to traverse to their rootfs.
	if err := os.Chmod(dir, 0o711); err != nil { //nolint:gosec // G302: a directory, traverse only
		t.Fatal(err)
	}
	p := &PrivateIncus{t: t, dir: dir}
	t.Cleanup(p.cleanup)

	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "unix.socket")
	p.IncusHost = &IncusHost{Name: "private", Socket: socket, Image: shared.Image, Client: connect(t, socket), configDir: t.TempDir()}
	if err := p.initialise(shared); err != nil {
		t.Fatalf("initialising the private incusd: %v\n%s", err, p.LogTail())
	}
	return p
}

// Start starts the daemon on its directory (again, after Kill) and waits
// until it is ready.
func (p *PrivateIncus) Start() error {
	if p.Running() {
		return errors.New("the private incusd is already running")
	}
	logf, err := os.OpenFile(filepath.Join(p.dir, "incusd.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer func() { _ = logf.Close() }() // the child has its own descriptor

	cmd := exec.Command(incusdPath, "--group", "root", "--logfile", filepath.Join(p.dir, "incusd.log")) //nolint:gosec // G204: a fixed binary in the test's own directory
	cmd.Env = append(os.Environ(),
		"INCUS_DIR="+p.dir,
		// incusd fetches instance types from the internet at start: send
		// that to a closed loopback port instead.
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: a Ctrl-C meant for terraform never reaches it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", incusdPath, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p.cmd, p.exited = cmd, exited
	return p.waitReady(30 * time.Second)
}

// waitReady polls /internal/ready (as `incus admin waitready` does).
func (p *PrivateIncus) waitReady(limit time.Duration) error {
	socket := filepath.Join(p.dir, "unix.socket")
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-p.exited:
			return fmt.Errorf("the private incusd exited while starting (%s)\n%s", p.cmd.ProcessState, p.LogTail())
		default:
		}
		c, err := incusclient.ConnectIncusUnix(socket, &incusclient.ConnectionArgs{SkipGetEvents: true})
		if err == nil {
			_, _, err = c.RawQuery("GET", "/internal/ready", nil, "")
			c.Disconnect()
			if err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the private incusd was not ready within %s: %w\n%s", limit, err, p.LogTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Running reports whether the daemon process is alive.
func (p *PrivateIncus) Running() bool {
	if p.exited == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Kill kills the daemon with SIGKILL, as a crash would, and waits for it to
// be gone. Its instances keep running (their monitors are not its children
// once started), as after a real crash.
func (p *PrivateIncus) Kill() {
	if !p.Running() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Dir is the daemon's INCUS_DIR.
func (p *PrivateIncus) Dir() string { return p.dir }

// LogTail is the end of the daemon's log, for failure messages.
func (p *PrivateIncus) LogTail() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "incusd.log"))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "incusd log:\n" + strings.Join(lines, "\n")
}

// initialise does what the preseed of .ci/install-incus.sh does, and
// imports the shared host's test image.
func (p *PrivateIncus) initialise(shared *IncusHost) error {
	c := p.Client
	if err := c.CreateStoragePool(api.StoragePoolsPost{Name: "default", Driver: "dir"}); err != nil {
		return fmt.Errorf("creating pool default: %w", err)
	}
	prof, etag, err := c.GetProfile("default")
	if err != nil {
		return err
	}
	put := prof.Writable()
	put.Devices = map[string]map[string]string{"root": {"type": "disk", "path": "/", "pool": "default"}}
	if err := c.UpdateProfile("default", put, etag); err != nil {
		return fmt.Errorf("adding a root disk to the default profile: %w", err)
	}
	return copyImage(shared.Client, c, shared.Image, p.dir)
}

// copyImage exports an image from one daemon to files and imports it into
// another under the same alias (no image server involved).
func copyImage(from, to incusclient.InstanceServer, alias, tmp string) error {
	entry, _, err := from.GetImageAlias(alias)
	if err != nil {
		return fmt.Errorf("reading image alias %s on the shared host: %w", alias, err)
	}
	meta, err := os.CreateTemp(tmp, "image-meta-")
	if err != nil {
		return err
	}
	defer func() { _ = meta.Close(); _ = os.Remove(meta.Name()) }()
	rootfs, err := os.CreateTemp(tmp, "image-rootfs-")
	if err != nil {
		return err
	}
	defer func() { _ = rootfs.Close(); _ = os.Remove(rootfs.Name()) }()
	resp, err := from.GetImageFile(entry.Target, incusclient.ImageFileRequest{MetaFile: meta, RootfsFile: rootfs})
	if err != nil {
		return fmt.Errorf("exporting image %s: %w", alias, err)
	}
	args := &incusclient.ImageCreateArgs{MetaFile: meta, MetaName: resp.MetaName, Type: string(api.InstanceTypeContainer)}
	if _, err := meta.Seek(0, 0); err != nil {
		return err
	}
	if resp.RootfsSize > 0 { // a split image; a unified one is all in meta
		if _, err := rootfs.Seek(0, 0); err != nil {
			return err
		}
		args.RootfsFile, args.RootfsName = rootfs, resp.RootfsName
	}
	op, err := to.CreateImage(api.ImagesPost{Aliases: []api.ImageAlias{{Name: alias}}}, args)
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		return fmt.Errorf("importing image %s: %w", alias, err)
	}
	return nil
}

// cleanup deletes the daemon's instances, stops it, and removes its
// directory once nothing is mounted under it any more.
func (p *PrivateIncus) cleanup() {
	t := p.t
	if !p.Running() && p.cmd != nil {
		if err := p.Start(); err != nil {
			t.Errorf("cleanup: restarting the private incusd to delete its instances: %v", err)
		}
	}
	if p.Running() {
		if p.IncusHost != nil {
			if names, err := p.Client.GetInstanceNames(api.InstanceTypeAny); err == nil {
				for _, n := range names {
					p.ForgetInstance(n)
				}
			}
		}
		// SIGPWR is incusd's clean shutdown: it stops whatever instance is
		// left and unmounts its tmpfs mounts.
		_ = p.cmd.Process.Signal(syscall.SIGPWR)
		select {
		case <-p.exited:
		case <-time.After(60 * time.Second):
			t.Errorf("cleanup: the private incusd did not shut down within 60s: killing it")
			p.Kill()
		}
	}
	if p.IncusHost != nil {
		p.Client.Disconnect()
	}
	for _, m := range mountsUnder(p.dir) {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			t.Errorf("cleanup: unmounting %s: %v", m, err)
		}
	}
	if left := mountsUnder(p.dir); len(left) > 0 {
		t.Errorf("cleanup: %s kept, still mounted: %v", p.dir, left)
		return
	}
	if err := os.RemoveAll(p.dir); err != nil {
		t.Errorf("cleanup: removing %s: %v", p.dir, err)
	}
}

// mountsUnder lists the mount points under dir, deepest first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && strings.HasPrefix(fields[1], dir+"/") {
			out = append([]string{fields[1]}, out...)
		}
	}
	return out
}
