// Package storage is rack_incus_storage_pool, rack_incus_storage_volume and
// rack_incus_storage_volume_snapshot, on the generic config object
// (internal/provider/incus/configobject): one file per object.
package storage

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

var storageTimeouts = fw.TimeoutDefaults{Create: 5 * time.Minute, Read: 2 * time.Minute, Update: 5 * time.Minute, Delete: 5 * time.Minute}

// targetAttribute is the `target` of a pool or volume: the cluster member
// every request of the object goes to.
func targetAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{Optional: true,
		Description:   fmt.Sprintf("Cluster member the %s is created on and read from (Incus `--target`). Only for a clustered remote: a standalone server has no members and refuses any target (`Cluster member not found`). Changing it replaces the %s.", what, what),
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}}
}

// usedByAttribute is the `used_by` of a pool or volume. It changes as other
// objects start or stop using this one: computed, with no plan modifier, so
// it is read on each refresh and never planned as a change of its own.
func usedByAttribute(what string) schema.ListAttribute {
	return schema.ListAttribute{Computed: true, ElementType: types.StringType,
		Description: fmt.Sprintf("What uses the %s, as the URLs incusd lists (`/1.0/instances/web`, `/1.0/profiles/base?project=dev`, ...), sorted. Read on each refresh; it is never a planned change.", what)}
}

// slashProblem is incusd's one check of storage names.
func slashProblem(name string) string {
	switch {
	case name == "":
		return "it must not be empty"
	case strings.Contains(name, "/"):
		return "it must not contain a slash"
	}
	return ""
}
