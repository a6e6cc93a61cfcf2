package incus

import (
	"context"
	"errors"
	"fmt"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// NetworkZonePut is what can change on a network zone.
type NetworkZonePut struct {
	Description string
	Config      map[string]string
}

// NetworkZone is a DNS zone that incusd's DNS server serves. Its name is
// unique on the whole server, across projects; incusd cannot rename it.
type NetworkZone struct {
	Name string
	NetworkZonePut
	// Project is the project asked for: incusd's GET of a zone leaves its
	// project empty.
	Project string
	UsedBy  []string // the networks naming it in dns.zone.forward or dns.zone.reverse.*
	ETag    string
}

// NetworkZoneSpec is what CreateNetworkZone sends.
type NetworkZoneSpec struct {
	Name string
	NetworkZonePut
}

// NetworkZoneEntry is one DNS entry of a record. TTL 0 is incusd's default
// (it serves the entry with TTL 300 and stores 0).
type NetworkZoneEntry struct {
	Type  string
	Value string
	TTL   uint64
}

// NetworkZoneRecordPut is what can change on a zone record.
type NetworkZoneRecordPut struct {
	Description string
	Config      map[string]string
	Entries     []NetworkZoneEntry
}

// NetworkZoneRecord is a named set of DNS entries of a zone.
type NetworkZoneRecord struct {
	Name string
	Zone string
	NetworkZoneRecordPut
	ETag string
}

func zoneObject(s Scope, name string) string {
	return fmt.Sprintf("network zone %q (project %q, remote %q)", name, s.Project, s.Remote)
}

func zoneRecordObject(s Scope, zone, name string) string {
	return fmt.Sprintf("network zone record %q (zone %q, project %q, remote %q)", name, zone, s.Project, s.Remote)
}

// GetNetworkZone reads a zone with its ETag in one request.
func (c *Client) GetNetworkZone(ctx context.Context, s Scope, name string) (*NetworkZone, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	z, etag, err := get(ctx, zoneObject(s, name), address, func() (*api.NetworkZone, string, error) {
		return srv.GetNetworkZone(name)
	})
	if err != nil {
		return nil, blameObject(err, s, "", "")
	}
	return &NetworkZone{
		Name:           z.Name,
		NetworkZonePut: NetworkZonePut{Description: z.Description, Config: copyConfig(z.Config)},
		Project:        s.Project,
		UsedBy:         sortedCopy(z.UsedBy),
		ETag:           etag,
	}, nil
}

// CreateNetworkZone creates a zone (one request). A taken name is a
// Conflict naming the import ID of the zone that has it, in whichever
// project it is (zone names are unique on the whole server).
func (c *Client) CreateNetworkZone(ctx context.Context, s Scope, spec NetworkZoneSpec) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.NetworkZonesPost{Name: spec.Name, NetworkZonePut: zonePut(spec.NetworkZonePut)}
	err = mutate(ctx, "the create request", zoneObject(s, spec.Name), address, func() error {
		return srv.CreateNetworkZone(req)
	})
	err = taken(blameObject(err, s, "", ""), ImportID(s, spec.Name))
	var ce *clienterr.ConflictError
	if errors.As(err, &ce) && ce.ImportID != "" {
		// The zone may be another project's: name the project it is in.
		if zones, lerr := call(ctx, "listing the network zones of", fmt.Sprintf("remote %q", s.Remote), address, srv.GetNetworkZonesAllProjects); lerr == nil {
			for _, z := range zones {
				if z.Name == spec.Name && z.Project != "" {
					in := s
					in.Project = z.Project
					ce.ImportID = ImportID(in, spec.Name)
				}
			}
		}
	}
	return err
}

// UpdateNetworkZone replaces a zone's description and config, guarded by
// etag when it is not empty.
func (c *Client) UpdateNetworkZone(ctx context.Context, s Scope, name string, put NetworkZonePut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", zoneObject(s, name), address, func() error {
		return srv.UpdateNetworkZone(name, zonePut(put), etag)
	})
	return blameObject(err, s, "", "")
}

// DeleteNetworkZone deletes a zone and its records. A zone a network still
// names (dns.zone.forward, dns.zone.reverse.*) is a Conflict listing those
// networks; a missing one is NotFound.
func (c *Client) DeleteNetworkZone(ctx context.Context, s Scope, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", zoneObject(s, name), address, func() error {
		return srv.DeleteNetworkZone(name)
	})
	return refusedInUse(ctx, blameObject(err, s, "", ""), func(ctx context.Context) ([]string, error) {
		z, err := c.GetNetworkZone(ctx, s, name)
		if err != nil {
			return nil, err
		}
		return z.UsedBy, nil
	})
}

// GetNetworkZoneRecord reads a record with its ETag in one request. A
// missing zone is NotFound too (of the zone).
func (c *Client) GetNetworkZoneRecord(ctx context.Context, s Scope, zone, name string) (*NetworkZoneRecord, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	r, etag, err := get(ctx, zoneRecordObject(s, zone, name), address, func() (*api.NetworkZoneRecord, string, error) {
		return srv.GetNetworkZoneRecord(zone, name)
	})
	if err != nil {
		return nil, blameObject(err, s, "", zone)
	}
	out := &NetworkZoneRecord{
		Name: r.Name,
		Zone: zone,
		NetworkZoneRecordPut: NetworkZoneRecordPut{
			Description: r.Description,
			Config:      copyConfig(r.Config),
		},
		ETag: etag,
	}
	for _, e := range r.Entries {
		out.Entries = append(out.Entries, NetworkZoneEntry{Type: e.Type, Value: e.Value, TTL: e.TTL})
	}
	return out, nil
}

// CreateNetworkZoneRecord creates a record (one request). A taken name is
// a Conflict naming the import ID `remote:project/zone/name`; a missing
// zone is NotFound of the zone.
func (c *Client) CreateNetworkZoneRecord(ctx context.Context, s Scope, zone, name string, put NetworkZoneRecordPut) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.NetworkZoneRecordsPost{Name: name, NetworkZoneRecordPut: recordPut(put)}
	err = mutate(ctx, "the create request", zoneRecordObject(s, zone, name), address, func() error {
		return srv.CreateNetworkZoneRecord(zone, req)
	})
	return taken(blameObject(err, s, "", zone), ImportID(s, zone, name))
}

// UpdateNetworkZoneRecord replaces a record's description, config and
// entries, guarded by etag when it is not empty.
func (c *Client) UpdateNetworkZoneRecord(ctx context.Context, s Scope, zone, name string, put NetworkZoneRecordPut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", zoneRecordObject(s, zone, name), address, func() error {
		return srv.UpdateNetworkZoneRecord(zone, name, recordPut(put), etag)
	})
	return blameObject(err, s, "", zone)
}

// DeleteNetworkZoneRecord deletes a record. A missing one (or zone) is NotFound.
func (c *Client) DeleteNetworkZoneRecord(ctx context.Context, s Scope, zone, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", zoneRecordObject(s, zone, name), address, func() error {
		return srv.DeleteNetworkZoneRecord(zone, name)
	})
	return blameObject(err, s, "", zone)
}

func zonePut(p NetworkZonePut) api.NetworkZonePut {
	out := api.NetworkZonePut{Description: p.Description, Config: p.Config}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}

func recordPut(p NetworkZoneRecordPut) api.NetworkZoneRecordPut {
	out := api.NetworkZoneRecordPut{Description: p.Description, Config: p.Config, Entries: []api.NetworkZoneRecordEntry{}}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	for _, e := range p.Entries {
		out.Entries = append(out.Entries, api.NetworkZoneRecordEntry{Type: e.Type, Value: e.Value, TTL: e.TTL})
	}
	return out
}
