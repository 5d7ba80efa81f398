package server

import "fmt"

// Handler serves one request.
type Handler interface {
	Serve(req string) string
}

type Server struct {
	Addr string
}

type Port int

func NewServer(addr string) *Server {
	return &Server{Addr: addr}
}

func (s *Server) Start() error {
	fmt.Println("listening on", s.Addr)
	return nil
}

func (s Server) String() string {
	return s.Addr
}
