package providerdata

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/kvmd"
)

// Data is what resources and data sources get from Configure.
type Data struct {
	Incus  *incus.Client
	PiKVMs *PiKVMDevices
}

// From extracts the provider data handed to a resource or data source.
func From(raw any, diags interface{ AddError(string, string) }) *Data {
	if raw == nil {
		return nil // not configured yet (validation)
	}
	d, ok := raw.(*Data)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *Data, got %T; please report this bug", raw))
		return nil
	}
	return d
}

// PiKVMDevices are the configured devices and their clients.
type PiKVMDevices struct {
	Clients map[string]*kvmd.Client
	Default string
}

// Client returns the device by name ("" is the default). Naming no
// configured device is the configuration's fault, found before any request:
// a plain error, not a server's answer.
func (d *PiKVMDevices) Client(name string) (*kvmd.Client, error) {
	if name == "" {
		name = d.Default
	}
	if name == "" {
		return nil, errors.New("no PiKVM is configured, so no request was sent: add a pikvm block to the provider, or set PIKVM_URL, PIKVM_USERNAME and PIKVM_PASSWORD")
	}
	c, ok := d.Clients[name]
	if !ok {
		names := make([]string, 0, len(d.Clients))
		for n := range d.Clients {
			names = append(names, strconv.Quote(n))
		}
		sort.Strings(names)
		return nil, fmt.Errorf("no PiKVM named %q is configured, so no request was sent. The provider's PiKVMs: %s. Set pikvm to one of them, or add a pikvm block named %q to the provider",
			name, strings.Join(names, ", "), name)
	}
	return c, nil
}
