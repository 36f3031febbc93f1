#include "tests/util/server_thread.h"

#include <catch2/catch.hpp>

namespace bee::test {

ServerThread::ServerThread(const std::string& dir) {
  loop_ = net::EventLoop::Create().value();
  remote::ServeOptions options;
  server_ = remote::Server::Create(loop_.get(), options).value();
  REQUIRE(server_->AddDirectory(dir).ok());
  REQUIRE(server_->Listen().ok());
  thread_ = std::thread([this] { (void)loop_->Run(); });
}

ServerThread::~ServerThread() {
  loop_->Post([this] {
    server_.reset();
    loop_->Stop();
  });
  thread_.join();
}

}  // namespace bee::test
