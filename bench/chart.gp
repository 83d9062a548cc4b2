# Draws bench/results/latest.png from the data file that benchtool.py report writes.
# Called by scripts/bench/run.sh: gnuplot -e "datafile='...'; outfile='...'; term='pngcairo'; title='...'" chart.gp
# Columns: label rps rps_min rps_max p50_ms p99_ms hwm_mib cpu_us_per_request
if (term eq 'pngcairo') {
    set terminal pngcairo size 1400,950 font 'Sans,11' noenhanced
} else {
    set terminal png size 1400,950 noenhanced
}
set output outfile
set multiplot layout 2,2 title title font ',13'

set style data histograms
set style fill solid 0.85 border -1
set boxwidth 0.75
set grid ytics lc rgb '#dddddd'
set xtics rotate by 20 right scale 0 nomirror
set ytics nomirror
set key top right
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set datafile separator whitespace
stats datafile using 2 nooutput
set xrange [-0.6:STATS_records - 0.4]

set title 'Throughput (req/s, median of runs; bar = min..max)'
set style histogram errorbars gap 1 lw 1.5
plot datafile using 2:3:4:xtic(1) lc rgb '#4477aa' notitle, \
     '' using ($0):($4):(sprintf('%.0f', $2)) with labels offset 0,0.8 font ',10' notitle

set title 'Latency (ms, wrk -c64)'
set key top left
set style histogram clustered gap 1
plot datafile using 5:xtic(1) lc rgb '#66ccee' title 'p50', \
     '' using 6 lc rgb '#ee6677' title 'p99', \
     '' using ($0+0.19):($6):(sprintf('%.1f', $6)) with labels offset 0,0.8 font ',9' notitle

set title 'CPU per request (µs: proxy process, + store server)'
set style histogram clustered gap 1
plot datafile using 8:xtic(1) lc rgb '#aa3377' notitle, \
     '' using ($0):($8):(sprintf('%.0f', $8)) with labels offset 0,0.8 font ',10' notitle

set title 'Peak RSS of the proxy (MiB, VmHWM)'
set style histogram clustered gap 1
plot datafile using ($7 > 0 ? $7 : 1/0):xtic(1) lc rgb '#228833' notitle, \
     '' using ($0):($7 > 0 ? $7 : 1/0):(sprintf('%.0f', $7)) with labels offset 0,0.8 font ',10' notitle

unset multiplot
