package mockhost

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"
)

// startFakeIncus starts a fake with opts on a short socket path and a client for it.
func startFakeIncus(t *testing.T, opts IncusOptions) (*Incus, incusclient.InstanceServer) {
	t.Helper()
	dir, err := os.MkdirTemp("", "rack-mock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	m, err := StartIncusWith(filepath.Join(dir, "incus.sock"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	c, err := incusclient.ConnectIncusUnix(m.Socket(), &incusclient.ConnectionArgs{SkipGetEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

func mustOp(t *testing.T, op incusclient.Operation, err error) {
	t.Helper()
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatal(err)
	}
}

func createStarted(t *testing.T, c incusclient.InstanceServer, name string) {
	t.Helper()
	op, err := c.CreateInstance(api.InstancesPost{Name: name, Source: api.InstanceSource{Type: "image", Alias: "rack-busybox"}, Start: true})
	mustOp(t, op, err)
}

func setState(t *testing.T, c incusclient.InstanceServer, name, action string) {
	t.Helper()
	op, err := c.UpdateInstanceState(name, api.InstanceStatePut{Action: action, Timeout: -1}, "")
	mustOp(t, op, err)
}

// eth0 is the instance's eth0 addresses: IPv4, IPv6.
func eth0(t *testing.T, c incusclient.InstanceServer, name string) (string, string) {
	t.Helper()
	st, _, err := c.GetInstanceState(name)
	if err != nil {
		t.Fatal(err)
	}
	var v4, v6 string
	for _, a := range st.Network["eth0"].Addresses {
		switch a.Family {
		case "inet":
			v4 = a.Address + "/" + a.Netmask
		case "inet6":
			v6 = a.Address + "/" + a.Netmask
		}
	}
	return v4, v6
}

// Like a fresh `incus admin init`, the default profile has eth0 on the
// managed bridge incusbr0, and each instance has its own addresses in its
// subnets for as long as it lives: two names of one length no longer share
// one, a stop and start or a rename keeps them, a delete frees them.
func TestAdminInitAddresses(t *testing.T) {
	_, c := startFakeIncus(t, IncusOptions{ImageAlias: "rack-busybox", AdminInit: true})
	prof, _, err := c.GetProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	if got := prof.Devices["eth0"]; got["type"] != "nic" || got["network"] != "incusbr0" || got["name"] != "eth0" || len(got) != 3 {
		t.Fatalf("default profile eth0 = %v, want type nic, network incusbr0, name eth0", got)
	}
	v4net, v6net := netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/64")

	createStarted(t, c, "web1")
	createStarted(t, c, "db01") // same length as web1
	web4, web6 := eth0(t, c, "web1")
	db4, db6 := eth0(t, c, "db01")
	for _, a := range []string{web4, db4} {
		if p := netip.MustParsePrefix(a); !v4net.Contains(p.Addr()) || p.Bits() != 24 || p.Addr() == netip.MustParseAddr("192.0.2.1") {
			t.Errorf("IPv4 %s: want a host of 192.0.2.0/24 other than the bridge's .1", a)
		}
	}
	for _, a := range []string{web6, db6} {
		if p := netip.MustParsePrefix(a); !v6net.Contains(p.Addr()) || p.Bits() != 64 {
			t.Errorf("IPv6 %s: want a host of 2001:db8::/64", a)
		}
	}
	if web4 == db4 || web6 == db6 {
		t.Fatalf("web1 (%s, %s) and db01 (%s, %s) share an address", web4, web6, db4, db6)
	}
	inst, _, err := c.GetInstance("web1")
	if err != nil {
		t.Fatal(err)
	}
	dbInst, _, _ := c.GetInstance("db01")
	if mac := inst.Config["volatile.eth0.hwaddr"]; !strings.HasPrefix(mac, "10:66:6a:") || mac == dbInst.Config["volatile.eth0.hwaddr"] {
		t.Errorf("MACs %q and %q: want distinct 10:66:6a: addresses", mac, dbInst.Config["volatile.eth0.hwaddr"])
	}

	setState(t, c, "web1", "stop")
	if v4, v6 := eth0(t, c, "web1"); v4 != "" || v6 != "" {
		t.Errorf("stopped web1 shows addresses %s %s", v4, v6)
	}
	createStarted(t, c, "cache") // must not take web1's lease while it is stopped
	if v4, _ := eth0(t, c, "cache"); v4 == web4 || v4 == db4 {
		t.Errorf("cache got %s, an address leased to another instance", v4)
	}
	op, err := c.RenameInstance("web1", api.InstancePost{Name: "web2"})
	mustOp(t, op, err)
	setState(t, c, "web2", "start")
	if v4, v6 := eth0(t, c, "web2"); v4 != web4 || v6 != web6 {
		t.Errorf("after stop, rename and start: %s %s, want %s %s", v4, v6, web4, web6)
	}

	setState(t, c, "db01", "stop")
	op, err = c.DeleteInstance("db01")
	mustOp(t, op, err)
	createStarted(t, c, "db02")
	if v4, v6 := eth0(t, c, "db02"); v4 != db4 || v6 != db6 {
		t.Errorf("db02 got %s %s, want db01's freed %s %s", v4, v6, db4, db6)
	}
}

// Without AdminInit (StartIncus, the tests' fake) the default profile is
// the real test daemon's: a root disk and no NIC, so no addresses.
func TestBareDefaultProfileHasNoNIC(t *testing.T) {
	_, c := startFakeIncus(t, IncusOptions{ImageAlias: "rack-busybox"})
	prof, _, err := c.GetProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	if len(prof.Devices) != 1 || prof.Devices["root"]["type"] != "disk" {
		t.Fatalf("default profile devices = %v, want only the root disk", prof.Devices)
	}
	createStarted(t, c, "c1")
	st, _, err := c.GetInstanceState("c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Network) != 1 || st.Network["lo"].Type != "loopback" {
		t.Fatalf("network state = %v, want only lo", st.Network)
	}
}

func TestSeedAndReset(t *testing.T) {
	seedPath := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(seedPath, []byte(`
storage_pools: [fast]
networks:
  - name: lan0
    config:
      ipv4.address: 198.51.100.1/24
      ipv6.address: none
projects:
  - name: staging
images:
  - aliases: [debian/12, debian]
    type: virtual-machine
    description: Debian 12
    properties: {os: debian, release: "12"}
profiles:
  - name: lan
    devices:
      lan: {type: nic, network: lan0, name: eth1}
  - name: default
    project: staging
    devices:
      root: {type: disk, path: /, pool: fast}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := LoadSeed(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	m, c := startFakeIncus(t, IncusOptions{ImageAlias: "rack-busybox", AdminInit: true, Seed: seed})

	alias, _, err := c.GetImageAlias("debian/12")
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := c.GetImage(alias.Target)
	if err != nil {
		t.Fatal(err)
	}
	if img.Type != "virtual-machine" || img.Properties["description"] != "Debian 12" || len(img.Aliases) != 2 {
		t.Errorf("seeded image = %+v", img)
	}
	if got := m.ImageAliases(); strings.Join(got, ",") != "debian,debian/12,rack-busybox" {
		t.Errorf("aliases = %v", got)
	}
	staging := c.UseProject("staging")
	if prof, _, err := staging.GetProfile("default"); err != nil || prof.Devices["root"]["pool"] != "fast" {
		t.Fatalf("staging default profile = %+v, %v", prof, err)
	}

	op, err := c.CreateInstance(api.InstancesPost{Name: "two-nics", Source: api.InstanceSource{Type: "image", Alias: "debian"},
		InstancePut: api.InstancePut{Profiles: []string{"default", "lan"}}, Start: true})
	mustOp(t, op, err)
	st, _, err := c.GetInstanceState("two-nics")
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Network["eth1"].Addresses; len(a) != 1 || a[0].Address != "198.51.100.2" || a[0].Family != "inet" {
		t.Errorf("eth1 on lan0 = %+v, want just 198.51.100.2 (lan0 has no IPv6)", a)
	}
	if err := c.CreateProfile(api.ProfilesPost{Name: "extra"}); err != nil {
		t.Fatal(err)
	}
	op, err = staging.CreateInstance(api.InstancesPost{Name: "s1", Source: api.InstanceSource{Type: "image", Alias: "rack-busybox"}})
	mustOp(t, op, err)

	if err := m.Reset(); err != nil {
		t.Fatal(err)
	}
	if names, err := c.GetInstanceNames(api.InstanceTypeAny); err != nil || len(names) != 0 {
		t.Errorf("after a reset: instances %v, %v", names, err)
	}
	if names, err := staging.GetInstanceNames(api.InstanceTypeAny); err != nil || len(names) != 0 {
		t.Errorf("after a reset: staging instances %v, %v", names, err)
	}
	if _, _, err := c.GetImageAlias("debian"); err != nil {
		t.Errorf("after a reset the seeded alias is gone: %v", err)
	}
	if _, _, err := c.GetProfile("extra"); err == nil {
		t.Error("after a reset a profile made since is still there")
	}
	if _, _, err := c.GetProfile("lan"); err != nil {
		t.Errorf("after a reset the seeded profile is gone: %v", err)
	}
	// The addresses were freed with the instances.
	op, err = c.CreateInstance(api.InstancesPost{Name: "again", Source: api.InstanceSource{Type: "image", Alias: "debian"},
		InstancePut: api.InstancePut{Profiles: []string{"default", "lan"}}, Start: true})
	mustOp(t, op, err)
	if st, _, _ := c.GetInstanceState("again"); len(st.Network["eth1"].Addresses) != 1 || st.Network["eth1"].Addresses[0].Address != "198.51.100.2" {
		t.Errorf("after a reset eth1 = %+v, want 198.51.100.2 again", st.Network["eth1"])
	}
}

func TestSeedErrors(t *testing.T) {
	cases := map[string]string{
		"typo":             "imagez: []",
		"profile project":  "profiles: [{name: p, project: nope}]",
		"profile network":  "profiles: [{name: p, devices: {n: {type: nic, network: nope}}}]",
		"bad address":      "networks: [{name: n, config: {ipv4.address: 2001:db8::1/64}}]",
		"unknown key":      "networks: [{name: n, config: {dns.domain: x}}]",
		"alias taken":      "images: [{aliases: [rack-busybox]}]",
		"bad image type":   "images: [{aliases: [x], type: lxc}]",
		"bad fingerprint":  "images: [{fingerprint: abc}]",
		"network existing": "networks: [{name: incusbr0}]",
	}
	for name, seed := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seed.yaml")
			if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := LoadSeed(path)
			if err == nil {
				var m *Incus
				dir, _ := os.MkdirTemp("", "rack-seed-")
				t.Cleanup(func() { _ = os.RemoveAll(dir) })
				if m, err = StartIncusWith(filepath.Join(dir, "s"), IncusOptions{ImageAlias: "rack-busybox", AdminInit: true, Seed: s}); err == nil {
					_ = m.Close()
				}
			}
			if err == nil {
				t.Fatal("accepted")
			}
			t.Log(err)
		})
	}
}

// The JSON form of a seed is read too.
func TestSeedJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte(`{"images": [{"aliases": ["alpine"], "description": "Alpine"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Images) != 1 || s.Images[0].Aliases[0] != "alpine" {
		t.Fatalf("seed = %+v", s)
	}
}

// A NIC with a static ipv4.address gets it (dnsmasq's static lease), and
// incusd's refusals of one outside the subnet or on the bridge's own
// address are the fake's too (texts recorded against incusd 6.0.4).
func TestStaticNICAddress(t *testing.T) {
	_, c := startFakeIncus(t, IncusOptions{ImageAlias: "rack-busybox", AdminInit: true})
	create := func(name, v4 string) error {
		op, err := c.CreateInstance(api.InstancesPost{Name: name, Source: api.InstanceSource{Type: "image", Alias: "rack-busybox"}, Start: true,
			InstancePut: api.InstancePut{Devices: map[string]map[string]string{"eth0": {"type": "nic", "network": "incusbr0", "ipv4.address": v4}}}})
		if err != nil {
			return err
		}
		return op.Wait()
	}
	if err := create("web", "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	if v4, _ := eth0(t, c, "web"); v4 != "192.0.2.2/24" {
		t.Errorf("web: %s, want its static 192.0.2.2/24", v4)
	}
	createStarted(t, c, "dyn")
	if v4, _ := eth0(t, c, "dyn"); v4 != "192.0.2.3/24" {
		t.Errorf("dyn: %s, want the first host no one holds, 192.0.2.3/24", v4)
	}
	if err := create("far", "198.51.100.7"); err == nil || !strings.Contains(err.Error(), `Device validation failed for "eth0": Device IP address "198.51.100.7" not within network "incusbr0" subnet`) {
		t.Errorf("outside the subnet: %v", err)
	}
	if err := create("gw", "192.0.2.1"); err == nil || !strings.Contains(err.Error(), `IP address "192.0.2.1" is assigned to parent managed network device ""`) {
		t.Errorf("the bridge's address: %v", err)
	}
}
