// The delay families' integer draws against their formulas: mean, median
// and 99th percentile of 100,000 draws of Rng::pareto and Rng::exponential
// (base/rng.h), beside the closed forms. Build and run from the repository:
//
//   g++ -std=c++20 -O2 -I. bench/delay_draws.cc base/rng.cc base/hash.cc -o build/delay-draws
//   build/delay-draws
//
// (The closed forms are computed in floating point here, for the report;
// the draws themselves use integers only.)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "base/rng.h"

namespace {

void report(const char* name, std::vector<int64_t> draws, double mean, double median, double p99) {
  std::sort(draws.begin(), draws.end());
  double sum = 0;
  for (int64_t d : draws) sum += static_cast<double>(d);
  std::printf("| %s | %.1f | %.1f | %lld | %.1f | %lld | %.1f |\n", name,
              sum / static_cast<double>(draws.size()), mean,
              static_cast<long long>(draws[draws.size() / 2]), median,
              static_cast<long long>(draws[draws.size() * 99 / 100]), p99);
}

}  // namespace

int main() {
  constexpr int kDraws = 100000;
  std::printf("| draw (us) | mean | formula | median | formula | p99 | formula |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  struct Pareto {
    const char* name;
    int64_t xm;
    uint64_t num, den;
  };
  for (const Pareto p : {Pareto{"Pareto(xm 235us, alpha 10)", 235, 10, 1},
                         Pareto{"Pareto(xm 1.05ms, alpha 1.51)", 1050, 151, 100},
                         Pareto{"Pareto(xm 10ms, alpha 3)", 10000, 3, 1}}) {
    kv::Rng rng(1);
    std::vector<int64_t> draws;
    for (int i = 0; i < kDraws; ++i) draws.push_back(rng.pareto(p.xm, p.num, p.den));
    const double a = static_cast<double>(p.num) / static_cast<double>(p.den);
    const double xm = static_cast<double>(p.xm);
    report(p.name, draws, a * xm / (a - 1), xm * std::pow(2.0, 1 / a), xm * std::pow(100.0, 1 / a));
  }
  for (const int64_t mean : {int64_t{250}, int64_t{602}, int64_t{10000}}) {
    kv::Rng rng(1);
    std::vector<int64_t> draws;
    for (int i = 0; i < kDraws; ++i) draws.push_back(rng.exponential(mean));
    char name[64];
    std::snprintf(name, sizeof name, "exponential(mean %lldus)", static_cast<long long>(mean));
    const double m = static_cast<double>(mean);
    report(name, draws, m, m * std::log(2.0), m * std::log(100.0));
  }
  return 0;
}
