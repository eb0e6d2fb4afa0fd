// SPDX-License-Identifier: Apache-2.0

// Command mdlayher-ndp answers neighbor solicitations for the given IPv6 addresses on one interface
// with the loop MetalLB's layer2 NDP responder runs on github.com/mdlayher/ndp: join each address's
// solicited-node group, read, keep solicitations with a source link-layer address, check the target
// under a read lock, advertise back to the sender. The bench's reference.
//
//	mdlayher-ndp <interface> <ipv6>...
package main

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"

	"github.com/mdlayher/ndp"
)

type announced struct {
	sync.RWMutex
	ips map[string]netip.Addr
}

func (a *announced) has(ip netip.Addr) bool {
	a.RLock()
	defer a.RUnlock()
	for _, i := range a.ips {
		if i == ip {
			return true
		}
	}
	return false
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: mdlayher-ndp <interface> <ipv6>...")
		os.Exit(2)
	}
	ifi, err := net.InterfaceByName(os.Args[1])
	if err != nil {
		fail(err)
	}
	c, _, err := ndp.Listen(ifi, ndp.LinkLocal)
	if err != nil {
		fail(err)
	}
	a := &announced{ips: map[string]netip.Addr{}}
	for _, s := range os.Args[2:] {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			fail(err)
		}
		group, err := ndp.SolicitedNodeMulticast(ip)
		if err != nil {
			fail(err)
		}
		if err := c.JoinGroup(group); err != nil {
			fail(err)
		}
		a.ips[s] = ip
	}
	fmt.Println("listening")
	for {
		msg, _, src, err := c.ReadFrom()
		if err != nil {
			continue
		}
		ns, ok := msg.(*ndp.NeighborSolicitation)
		if !ok {
			continue
		}
		var sourceLL net.HardwareAddr
		for _, o := range ns.Options {
			if lla, ok := o.(*ndp.LinkLayerAddress); ok && lla.Direction == ndp.Source {
				sourceLL = lla.Addr
				break
			}
		}
		if sourceLL == nil || !a.has(ns.TargetAddress) {
			continue
		}
		na := &ndp.NeighborAdvertisement{
			Solicited:     true,
			TargetAddress: ns.TargetAddress,
			Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: ifi.HardwareAddr}},
		}
		if err := c.WriteTo(na, nil, src); err != nil {
			fmt.Fprintln(os.Stderr, "advertise:", err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
