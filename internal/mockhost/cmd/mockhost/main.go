// Command mockhost runs a fake incusd and a fake kvmd in the foreground, for
// module authors who test their HCL without hardware, `make demo` and the
// benchmarks:
//
//	make mock
//	go run ./internal/mockhost/cmd/mockhost [-seed examples/mockhost/seed.yaml]
//
// It prints a provider "rack" block to paste. The fake incusd looks like a
// fresh `incus admin init` (bridge incusbr0, eth0 on it in the default
// profile) unless -bare is given. SIGHUP resets both fakes to their start
// state (the seed); Ctrl-C or SIGTERM stops them and removes the socket.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reset := make(chan os.Signal, 1)
	signal.Notify(reset, syscall.SIGHUP)
	if err := run(ctx, os.Args[1:], os.Stdout, reset); err != nil {
		fmt.Fprintf(os.Stderr, "mockhost: %v\n", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	socket, configDir, image, kvmdAddr, seed, remote string
	opDelay, bootDelay                               time.Duration
	bare                                             bool
}

func parseFlags(args []string, out io.Writer) (config, error) {
	base := filepath.Join(os.TempDir(), fmt.Sprintf("rack-mock-%d", os.Getuid()))
	var c config
	fs := flag.NewFlagSet("mockhost", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.socket, "incus-socket", filepath.Join(base, "incus.sock"), "unix socket for the fake incusd")
	fs.StringVar(&c.configDir, "incus-config-dir", filepath.Join(base, "incus-config"), "empty incus client configuration directory for the printed provider block (so that your own remotes are not read)")
	fs.StringVar(&c.image, "image", "rack-busybox", `alias of the built-in busybox-like container image ("" for none)`)
	fs.StringVar(&c.seed, "seed", "", "YAML or JSON file of images, profiles, networks, projects and storage pools present at start (see examples/mockhost/seed.yaml)")
	fs.BoolVar(&c.bare, "bare", false, "no NIC in the default profile and bridge mockbr0 instead of incusbr0, like the provider's test daemons")
	fs.StringVar(&c.remote, "remote", "mock", "name of the incus_remote and pikvm in the printed provider block")
	fs.DurationVar(&c.opDelay, "operation-delay", 0, "how long each Incus background operation takes (e.g. 200ms)")
	fs.StringVar(&c.kvmdAddr, "kvmd-addr", "127.0.0.1:8088", `loopback address of the fake kvmd (user admin, password admin); "" for none`)
	fs.DurationVar(&c.bootDelay, "boot-delay", 2*time.Second, "how long the fake kvmd's simulated host takes to power on")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if c.socket, err = filepath.Abs(c.socket); err != nil {
		return c, err
	}
	c.configDir, err = filepath.Abs(c.configDir)
	return c, err
}

// run serves until ctx ends, resetting both fakes on each value of reset.
func run(ctx context.Context, args []string, out io.Writer, reset <-chan os.Signal) error {
	c, err := parseFlags(args, out)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	opts := mockhost.IncusOptions{ImageAlias: c.image, AdminInit: !c.bare}
	if c.seed != "" {
		if opts.Seed, err = mockhost.LoadSeed(c.seed); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(c.socket), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(c.configDir, 0o700); err != nil {
		return err
	}
	if conn, err := net.Dial("unix", c.socket); err == nil {
		_ = conn.Close()
		return fmt.Errorf("something answers on %s already (another mock host?): stop it or choose another -incus-socket", c.socket)
	}
	incus, err := mockhost.StartIncusWith(c.socket, opts)
	if err != nil {
		return err
	}
	defer func() { _ = incus.Close() }() // also removes the socket
	incus.OperationDelay = c.opDelay

	var kvmd *mockhost.KVMD
	kvmdOpts := mockhost.KVMDOptions{
		BootDelay: c.bootDelay, ShutdownDelay: c.bootDelay / 2, LongClickTime: time.Second,
		GPIOSwitches: []string{"relay1"}, GPIOPulses: []string{"button2"},
	}
	if c.kvmdAddr != "" {
		if kvmd, err = mockhost.StartKVMD(c.kvmdAddr, kvmdOpts); err != nil {
			return fmt.Errorf("fake kvmd: %w (choose another address with -kvmd-addr, or -kvmd-addr '' for none)", err)
		}
		defer func() { _ = kvmd.Close() }()
	}
	printBanner(out, c, incus, kvmd)

	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(out, "mockhost: served %d Incus requests; stopped\n", incus.Requests())
			return nil
		case <-reset:
			if err := incus.Reset(); err != nil {
				return err
			}
			if kvmd != nil {
				// A new fake on the same address forgets images, power and GPIO state.
				addr := strings.TrimPrefix(kvmd.URL(), "http://")
				_ = kvmd.Close()
				if kvmd, err = mockhost.StartKVMD(addr, kvmdOpts); err != nil {
					return fmt.Errorf("restarting the fake kvmd: %w", err)
				}
			}
			fmt.Fprintf(out, "mockhost: reset to the start state at %s\n", time.Now().Format(time.TimeOnly))
		}
	}
}

func printBanner(out io.Writer, c config, incus *mockhost.Incus, kvmd *mockhost.KVMD) {
	fmt.Fprintf(out, "rack mock host (pid %d): state in memory, nothing leaves this machine\n\n", os.Getpid())
	fmt.Fprintf(out, "  fake incusd  unix://%s\n", c.socket)
	for _, n := range incus.Networks() {
		fmt.Fprintf(out, "               network %s\n", n)
	}
	if c.bare {
		fmt.Fprintf(out, "               default profile: root disk only (-bare)\n")
	} else {
		fmt.Fprintf(out, "               default profile: root disk, eth0 on incusbr0\n")
	}
	fmt.Fprintf(out, "               image aliases: %s\n", strings.Join(incus.ImageAliases(), ", "))
	if kvmd != nil {
		fmt.Fprintf(out, "  fake kvmd    %s  user admin, password admin\n", kvmd.URL())
	}
	fmt.Fprintf(out, "\nPaste this provider block into your configuration or .tftest.hcl:\n\n%s\n", providerBlock(c, kvmd))
	fmt.Fprintf(out, "Reset to the start state: kill -HUP %d    Stop: Ctrl-C\n", os.Getpid())
}

// providerBlock is the provider "rack" block selecting the fakes.
func providerBlock(c config, kvmd *mockhost.KVMD) string {
	var b strings.Builder
	fmt.Fprintf(&b, "provider \"rack\" {\n")
	fmt.Fprintf(&b, "  # An empty incus client configuration: your own remotes are not read.\n")
	fmt.Fprintf(&b, "  incus_config_dir = %q\n\n", c.configDir)
	fmt.Fprintf(&b, "  incus_remote {\n    name    = %q\n    address = %q\n  }\n", c.remote, "unix://"+c.socket)
	if kvmd != nil {
		fmt.Fprintf(&b, "\n  pikvm {\n    name     = %q\n    url      = %q\n    username = \"admin\"\n    password = \"admin\"\n  }\n", c.remote, kvmd.URL())
	}
	fmt.Fprintf(&b, "}\n")
	return b.String()
}
