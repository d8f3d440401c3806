// Scenario (B) of socketlab's ns-3 side-by-side benchmark (sim/bench): a
// dumbbell of N senders and N receivers on 1 Gbit/s, 1 ms access links
// (100-packet DropTail queues) through a 1 Gbit/s, 10 ms bottleneck
// between two routers (1,000-packet DropTail queue); sender i runs one bulk
// TCP flow to receiver i, starting at the i-th time (seconds) read from the
// --starts file (the harness draws them uniformly in [0, 0.1] s and gives
// socketlab the same ones); 10 s. TCP as in ns3-bulk.cc: NewReno with
// classic recovery, MSS 1448, 1 MiB buffers, no SACK, no timestamps,
// delayed ACKs (2 segments, 200 ms), minimum RTO 200 ms. Built with
//
//   g++ -O2 -std=c++17 ns3-dumbbell.cc -o ns3-dumbbell \
//     -lns3-applications -lns3-internet -lns3-point-to-point \
//     -lns3-traffic-control -lns3-network -lns3-core
//
// and run as ns3-dumbbell --n=100 --starts=FILE [--seconds=10]. It prints
// the same key=value lines as ns3-bulk.
//
// <cstring> first: Debian's 3.37 headers use memcmp without including it.
#include <cstring>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <cstdio>
#include <fstream>
#include <vector>

using namespace ns3;

static uint64_t hops = 0;

static void
PhyRxEnd(Ptr<const Packet>)
{
    hops++;
}

int
main(int argc, char* argv[])
{
    uint32_t n = 10;
    double seconds = 10;
    std::string startsFile;
    CommandLine cmd;
    cmd.AddValue("n", "senders (and receivers)", n);
    cmd.AddValue("seconds", "simulated duration", seconds);
    cmd.AddValue("starts", "file with one start time in seconds per sender", startsFile);

    Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TcpNewReno::GetTypeId()));
    Config::SetDefault("ns3::TcpL4Protocol::RecoveryType",
                       TypeIdValue(TcpClassicRecovery::GetTypeId()));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(1 << 20));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(1 << 20));
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(3)); // RFC 5681 IW for MSS 1448
    Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(200)));
    Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(false));
    Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(false));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));
    cmd.Parse(argc, argv); // after the defaults: --ns3::... attributes override them

    std::vector<double> starts;
    if (!startsFile.empty())
    {
        std::ifstream in(startsFile);
        double t;
        while (in >> t)
        {
            starts.push_back(t);
        }
    }
    if (starts.size() != n)
    {
        std::fprintf(stderr, "ns3-dumbbell: --starts must hold %u start times, it holds %zu\n", n,
                     starts.size());
        return 2;
    }

    NodeContainer routers, senders, receivers;
    routers.Create(2);
    senders.Create(n);
    receivers.Create(n);
    InternetStackHelper stack;
    stack.Install(routers);
    stack.Install(senders);
    stack.Install(receivers);

    PointToPointHelper access, bottleneck;
    access.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    access.SetChannelAttribute("Delay", StringValue("1ms"));
    access.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", StringValue("100p"));
    bottleneck.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    bottleneck.SetChannelAttribute("Delay", StringValue("10ms"));
    bottleneck.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", StringValue("1000p"));

    Ipv4AddressHelper addr;
    addr.SetBase("10.0.0.0", "255.255.255.252");
    TrafficControlHelper tch;
    // Assign installs the default queue disc (FqCoDel) on every device:
    // remove it, so the only queues are the devices' DropTail queues.
    auto link = [&](PointToPointHelper& h, Ptr<Node> a, Ptr<Node> b) {
        NetDeviceContainer d = h.Install(a, b);
        Ipv4InterfaceContainer ifs = addr.Assign(d);
        addr.NewNetwork();
        tch.Uninstall(d);
        return ifs;
    };
    link(bottleneck, routers.Get(0), routers.Get(1));
    std::vector<Ipv4Address> dst(n);
    for (uint32_t i = 0; i < n; i++)
    {
        link(access, senders.Get(i), routers.Get(0));
        dst[i] = link(access, routers.Get(1), receivers.Get(i)).GetAddress(1);
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    uint16_t port = 5001;
    ApplicationContainer sinks;
    for (uint32_t i = 0; i < n; i++)
    {
        BulkSendHelper send("ns3::TcpSocketFactory", InetSocketAddress(dst[i], port));
        send.SetAttribute("MaxBytes", UintegerValue(0));
        send.SetAttribute("SendSize", UintegerValue(1448));
        ApplicationContainer s = send.Install(senders.Get(i));
        s.Start(Seconds(starts[i]));
        PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), port));
        ApplicationContainer k = sinkHelper.Install(receivers.Get(i));
        k.Start(Seconds(0));
        sinks.Add(k);
    }

    Config::ConnectWithoutContext("/NodeList/*/DeviceList/*/$ns3::PointToPointNetDevice/PhyRxEnd",
                                  MakeCallback(&PhyRxEnd));

    Simulator::Stop(Seconds(seconds));
    Simulator::Run();
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < sinks.GetN(); i++)
    {
        bytes += DynamicCast<PacketSink>(sinks.Get(i))->GetTotalRx();
    }
    uint64_t events = Simulator::GetEventCount();
    Simulator::Destroy();
    std::printf("cc=NewReno\nevents=%llu\nhops=%llu\nbytes=%llu\nseconds=%g\n",
                (unsigned long long)events, (unsigned long long)hops,
                (unsigned long long)bytes, seconds);
    return 0;
}
