#!/usr/bin/perl
# Perl's everyday core modules: the shipped CSV parsed with split, JSON::PP, Digest::SHA and
# Digest::MD5, File::Temp and File::Path in TMPDIR, POSIX strftime and floor, Time::Local,
# List::Util, an open pipe to sort, a pipe from a command, backticks, system() and fork.
use strict;
use warnings;
use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex hmac_sha256_hex);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Spec;
use File::Temp qw(tempfile tempdir);
use JSON::PP;
use List::Util qw(sum max first);
use POSIX qw(strftime floor);
use Time::Local qw(timegm);

# Children write to the same stdout: each line out before the next child starts.
$| = 1;

my $dir = dirname(File::Spec->rel2abs(__FILE__));
open(my $in, '<', "$dir/orders.csv") or die "orders.csv: $!";
my $header = <$in>;
chomp $header;
my @cols = split /,/, $header;
my @orders;
while (my $line = <$in>) {
	chomp $line;
	my %row;
	@row{@cols} = split /,/, $line;
	push @orders, \%row;
}
close $in;
my %revenue;
$revenue{ $_->{region} } += $_->{quantity} * $_->{unit_price} for @orders;
printf "orders: %d, units: %d, biggest: %d\n", scalar @orders, sum(map { $_->{quantity} } @orders),
    max(map { $_->{quantity} } @orders);
printf "first gadget: %s\n", (first { $_->{item} eq 'gadget' } @orders)->{order_id};

my $json = JSON::PP->new->canonical->pretty;
my $report = { map { $_ => sprintf('%.2f', $revenue{$_}) } keys %revenue };
print $json->encode({ revenue => $report, count => scalar @orders });
my $back = decode_json(encode_json({ list => [ 1, 2, 3 ], flag => JSON::PP::true }));
print "decoded: ", join(',', @{ $back->{list} }), " flag ", ($back->{flag} ? 'true' : 'false'), "\n";

print "sha256: ", substr(sha256_hex('bpfence'), 0, 16), "\n";
print "hmac: ", substr(hmac_sha256_hex('msg', 'key'), 0, 16), "\n";
print "md5: ", md5_hex("hello\n"), "\n";
my $sha = Digest::SHA->new(1);
$sha->addfile("$dir/orders.csv");
print "sha1 of the data: ", $sha->hexdigest, "\n";

my $tmp = tempdir('perl-XXXXXX', TMPDIR => 1, CLEANUP => 1);
print "tempdir under TMPDIR: ", (index($tmp, $ENV{TMPDIR}) == 0 ? 'yes' : 'no'), "\n";
my ($fh, $fname) = tempfile(DIR => $tmp, SUFFIX => '.txt');
print $fh "line $_\n" for 1 .. 5;
close $fh;
print "tempfile lines: ", scalar(() = do { open(my $r, '<', $fname) or die; <$r> }), "\n";
make_path("$tmp/a/b/c");
print "make_path: ", (-d "$tmp/a/b/c" ? 'ok' : 'missing'), "\n";
rename $fname, "$tmp/a/moved.txt" or die "rename: $!";
print "renamed size: ", -s "$tmp/a/moved.txt", "\n";
remove_tree("$tmp/a");
print "removed: ", (-e "$tmp/a" ? 'no' : 'yes'), "\n";

print "strftime: ", strftime('%Y-%m-%d %H:%M:%S', gmtime(1700000000)), "\n";
print "timegm: ", timegm(0, 0, 12, 29, 1, 2024), "\n";
print "floor: ", floor(-2.5), " sprintf: ", sprintf('%.3e', 12345.678), "\n";
{
	local $ENV{TZ} = 'Asia/Tokyo';
	POSIX::tzset();
	print "tokyo: ", strftime('%H:%M %Z', localtime(1700000000)), "\n";
}

open(my $sort, '|-', 'sort', '-t,', '-k2') or die "sort: $!";
print $sort "$_->{order_id},$_->{customer}\n" for grep { $_->{region} eq 'us' } @orders;
close $sort or die "sort failed: $?";
open(my $wc, '-|', "printf 'a\\nb\\nc\\n' | wc -l") or die "wc: $!";
print "wc through a pipe: ", <$wc>;
close $wc;
my $echo = `echo backticks`;
print "backticks: $echo";
system('/bin/sh', '-c', 'exit 3');
print "system status: ", $? >> 8, "\n";
system("echo 'system through the shell' | tr a-z A-Z") == 0 or die "system: $?";
my $pid = fork() // die "fork: $!";
if ($pid == 0) {
	exit 9;
}
waitpid($pid, 0);
print "forked child exit: ", $? >> 8, "\n";
pipe(my $rd, my $wr) or die "pipe: $!";
if (my $kid = fork()) {
	close $wr;
	print "from the child: ", scalar <$rd>;
	waitpid($kid, 0);
} else {
	close $rd;
	print $wr "hello parent\n";
	exit 0;
}
